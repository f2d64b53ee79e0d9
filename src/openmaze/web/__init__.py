"""The account pages (server-rendered): `routes` (login, signup, email confirmation),
`account` (dashboard, keys, password), `pair` (the pairing confirm page), `pages`
(rendering, security headers), `sessions` (web logins and CSRF), `verification`."""
