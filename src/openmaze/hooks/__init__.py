"""Media servers mark episodes themselves: Plex, Jellyfin and Emby webhooks (`/hooks/*`).

`routes` (HTTP: the per-user secret URLs, bodies as each server sends them), one parser per
server (`plex`, `jellyfin`, `emby`) turning its payload into one `events.HookEvent`,
`service` (the rules: household users, matching, marking through `openmaze.marks.service`,
the activity log, a person's remembered fixes), `queries` (their SQL), `schemas` (the answer's
wire shape). Docs: docs/media-servers.md.
"""
