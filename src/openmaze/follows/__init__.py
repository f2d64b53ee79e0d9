"""`/v1/user/follows/{shows,people,networks,webchannels}`: `routes` (HTTP), `service`
(one set of rules for the four kinds), `schemas` (wire shapes)."""
