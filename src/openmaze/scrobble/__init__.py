"""`/v1/scrobble/*`: bulk marking by episode id or by show: `routes` (HTTP), `service`
(by episode id), `by_show` (within one show), `bulk` (the 200/207/422 bulk response), `schemas`."""
