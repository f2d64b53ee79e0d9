"""`/v1/user/votes/{shows,episodes}`: `routes` (HTTP), `service` (rules), `schemas`."""
