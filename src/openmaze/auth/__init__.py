"""Who is asking: HTTP Basic credentials (username + API key), users and their keys,
passwords, and device pairing (`/v1/auth/*`): `routes` (HTTP), `service` (pairing rules),
`schemas` (wire shapes), `credentials` (the auth dependencies), `accounts` (users and keys)."""
