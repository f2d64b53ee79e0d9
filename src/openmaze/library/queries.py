"""The SQL behind the library pages. Each page costs a fixed number of statements, whatever
the number of follows or marks (tests/library/test_statement_counts.py): per-show figures
come from one grouped query, per-show "next" and "last" episodes from window functions.

"Aired" compares `airstamp` (TVmaze writes it in UTC, `2024-05-01T01:00:00+00:00`, so text
order is time order) with now in the same form; an episode without an airstamp counts as
aired from its airdate on, and one with neither has not aired.
"""

from __future__ import annotations

AIRED = "(e.airstamp <= :now OR (e.airstamp IS NULL AND e.airdate <= :today))"

FOLLOWED_SHOWS = (
    "SELECT f.show_id, f.followed_at, s.name, s.data FROM followed_shows f JOIN shows s ON s.id = f.show_id "
    "WHERE f.user_id = :user_id"
)

# Per followed show, in one pass over its regular episodes (specials have no number:
# progress counts what a season is made of): how many aired, how many of those are watched,
# how many are still to watch, and the first of those in season/number order ("acquired"
# is still to watch, "skipped" is not), as season * 100000 + number, joined back to its
# episode. One pass instead of a second, windowed query halves the page's database time.
NEXT_KEY = 100_000  # episode numbers stay below it (daily shows reach a few hundred)
PROGRESS = (
    "SELECT p.show_id, p.aired, p.watched, p.remaining, "
    "x.id, x.season, x.number, x.airstamp, x.airdate, x.data FROM ("
    "SELECT e.show_id, "
    f"SUM(CASE WHEN {AIRED} THEN 1 ELSE 0 END) AS aired, "
    f"SUM(CASE WHEN {AIRED} AND m.type = 0 THEN 1 ELSE 0 END) AS watched, "
    f"SUM(CASE WHEN {AIRED} AND (m.type IS NULL OR m.type = 1) THEN 1 ELSE 0 END) AS remaining, "
    f"MIN(CASE WHEN {AIRED} AND (m.type IS NULL OR m.type = 1) AND e.number < {NEXT_KEY} "
    f"THEN e.season * {NEXT_KEY} + e.number END) AS next_key "
    "FROM followed_shows f JOIN episodes e ON e.show_id = f.show_id "
    "LEFT JOIN marked_episodes m ON m.user_id = f.user_id AND m.episode_id = e.id "
    "WHERE f.user_id = :user_id AND e.number IS NOT NULL GROUP BY e.show_id"
    f") p LEFT JOIN episodes x ON x.show_id = p.show_id AND x.season = p.next_key / {NEXT_KEY} "
    f"AND x.number = p.next_key % {NEXT_KEY} ORDER BY p.show_id, x.id"
)

LAST_WATCHED = (
    "SELECT t.show_id, t.marked_at, e.id, e.season, e.number FROM ("
    "SELECT m.show_id, m.episode_id, m.marked_at, "
    "ROW_NUMBER() OVER (PARTITION BY m.show_id ORDER BY m.marked_at DESC, m.episode_id DESC) AS rn "
    "FROM marked_episodes m JOIN followed_shows f ON f.user_id = m.user_id AND f.show_id = m.show_id "
    "WHERE m.user_id = :user_id AND m.type = 0"
    ") t JOIN episodes e ON e.id = t.episode_id WHERE t.rn = 1"
)

# Episodes of followed shows by airdate; the caller narrows to the exact window by airstamp
# (airdates are the network's local dates, so the date range is a little wider).
AIRING = (
    "SELECT e.id, e.show_id, e.season, e.number, e.airstamp, e.airdate, e.data, s.name AS show_name, m.type "
    "FROM followed_shows f JOIN episodes e ON e.show_id = f.show_id JOIN shows s ON s.id = e.show_id "
    "LEFT JOIN marked_episodes m ON m.user_id = f.user_id AND m.episode_id = e.id "
    "WHERE f.user_id = :user_id AND e.airdate >= :first AND e.airdate <= :last"
)

SHOW_EPISODES = "SELECT id, season, number, airstamp, airdate FROM episodes WHERE show_id = :show_id"
SEASON_EPISODES = "SELECT id, data FROM episodes WHERE show_id = :show_id AND season = :season"
SHOW_MARKS = "SELECT episode_id, type, marked_at FROM marked_episodes WHERE user_id = :user_id AND show_id = :show_id"
SHOW_STATE = (
    "SELECT (SELECT followed_at FROM followed_shows WHERE user_id = :user_id AND show_id = :show_id) AS followed_at, "
    "(SELECT vote FROM show_votes WHERE user_id = :user_id AND show_id = :show_id) AS vote"
)
SHOW_TAGS = (
    "SELECT t.id, t.name, ts.show_id FROM tags t "
    "LEFT JOIN tag_shows ts ON ts.tag_id = t.id AND ts.user_id = t.user_id AND ts.show_id = :show_id "
    "WHERE t.user_id = :user_id ORDER BY t.name, t.id"
)

# The page of marks first, then its episodes and shows: joining before the LIMIT would read
# every marked episode's JSON to sort thousands of rows and keep fifty.
HISTORY = (
    "SELECT m.episode_id, m.marked_at, m.show_id, s.name AS show_name, e.season, e.number, e.data FROM ("
    "SELECT episode_id, show_id, marked_at FROM marked_episodes WHERE user_id = :user_id AND type = 0 "
    "ORDER BY marked_at DESC, episode_id DESC LIMIT :limit OFFSET :offset"
    ") m JOIN episodes e ON e.id = m.episode_id JOIN shows s ON s.id = m.show_id "
    "ORDER BY m.marked_at DESC, m.episode_id DESC"
)

OTHER_FOLLOWS = (
    "SELECT 'people' AS kind, f.person_id AS id, p.name FROM followed_people f JOIN people p ON p.id = f.person_id "
    "WHERE f.user_id = :user_id "
    "UNION ALL SELECT 'networks', f.network_id, n.name FROM followed_networks f JOIN networks n ON n.id = f.network_id "
    "WHERE f.user_id = :user_id "
    "UNION ALL SELECT 'webchannels', f.webchannel_id, w.name FROM followed_webchannels f "
    "JOIN webchannels w ON w.id = f.webchannel_id WHERE f.user_id = :user_id"
)
