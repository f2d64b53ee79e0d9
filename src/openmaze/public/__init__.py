"""The public catalog API at the root (`/shows/1`, `/lookup/shows`, `/search/shows`):
`routes` (HTTP), `service` (rules and SQL), `search`, `caching` (ETags, Cache-Control, CORS)."""
