from tests.pairing.support import clock, mail_settings, make_client, pclient, smtp

__all__ = ["clock", "mail_settings", "make_client", "pclient", "smtp"]
