"""`/v1/user/tags`: a user's named groups of shows: `routes` (HTTP), `service` (rules), `schemas`."""
