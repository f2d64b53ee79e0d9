"""The text of the emails openmaze sends: (subject, plain-text body)."""

from __future__ import annotations


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def pairing_email(username: str, client: str, link: str, ttl_seconds: int) -> tuple[str, str]:
    subject = "Allow a device to use your openmaze account?"
    text = (
        f"Hello {username},\n\n"
        f"A device calling itself\n\n    {client}\n\n"
        "asked for access to your openmaze account. To allow or deny it, open this link\n"
        f"(you will be asked to log in if you are not):\n\n    {link}\n\n"
        f"The request expires in {_minutes(ttl_seconds)}. If you did not start it, ignore this email:\n"
        "nothing happens unless you click Allow.\n"
    )
    return subject, text


def confirm_address_email(username: str, link: str, ttl_seconds: int) -> tuple[str, str]:
    subject = "Confirm your email address for openmaze"
    text = (
        f"Hello {username},\n\n"
        "please confirm that this is your email address by opening this link:\n\n"
        f"    {link}\n\n"
        f"The link works for {round(ttl_seconds / 3600)} hours. If you did not sign up, ignore this email.\n"
    )
    return subject, text
