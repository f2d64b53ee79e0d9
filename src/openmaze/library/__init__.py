"""The web library: a person's tracking as pages (my shows, up next, calendar, show pages,
search, history, follows) and their personal iCal feed.

Every write goes through the same service functions as `/v1` (follows, marks, votes, tags,
scrobble), so a click and an API call are one rule. This package sits at the web layer: it
uses the account pages' sessions, CSRF and rendering (`openmaze.web`), and `openmaze.web`
never imports it (the dashboard shows the feed link through `DASHBOARD_PANELS`).
"""
