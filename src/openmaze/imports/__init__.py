"""Moving in: a household's history from TVmaze (its user API), Trakt (the export ZIP) and
TV Time (the GDPR export ZIP), imported idempotently with a report of everything that could
not be matched.

`service` holds the rules every source shares (matching, newer wins, chunked writes,
exact counts); `tvmaze`, `trakt` and `tvtime` read their source into items; `archive`
reads an uploaded ZIP without trusting it; `fetching` brings shows the catalog lacks from
the upstream; `jobs` runs an import started from the account pages as a durable job;
`queries` reads what the user already has.
"""
