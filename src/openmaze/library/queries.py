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

# Regular episodes only (specials have no number): progress counts what a season is made of.
PROGRESS = (
    "SELECT e.show_id, "
    f"SUM(CASE WHEN {AIRED} THEN 1 ELSE 0 END) AS aired, "
    f"SUM(CASE WHEN {AIRED} AND m.type = 0 THEN 1 ELSE 0 END) AS watched, "
    f"SUM(CASE WHEN {AIRED} AND (m.type IS NULL OR m.type = 1) THEN 1 ELSE 0 END) AS remaining "
    "FROM followed_shows f JOIN episodes e ON e.show_id = f.show_id "
    "LEFT JOIN marked_episodes m ON m.user_id = f.user_id AND m.episode_id = e.id "
    "WHERE f.user_id = :user_id AND e.number IS NOT NULL GROUP BY e.show_id"
)

# Per followed show, the first aired regular episode (in season/number order) that is
# neither watched nor skipped: "acquired" is still to watch.
NEXT_EPISODES = (
    "SELECT x.id, x.show_id, x.season, x.number, x.airstamp, x.airdate, x.data FROM ("
    "SELECT e.id, ROW_NUMBER() OVER (PARTITION BY e.show_id ORDER BY e.season, e.number, e.id) AS rn "
    "FROM followed_shows f JOIN episodes e ON e.show_id = f.show_id "
    f"WHERE f.user_id = :user_id AND e.number IS NOT NULL AND {AIRED} "
    "AND NOT EXISTS (SELECT 1 FROM marked_episodes m WHERE m.user_id = :user_id "
    "AND m.episode_id = e.id AND m.type IN (0, 2))"
    ") t JOIN episodes x ON x.id = t.id WHERE t.rn = 1"
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

HISTORY = (
    "SELECT m.episode_id, m.marked_at, m.show_id, s.name AS show_name, e.season, e.number, e.data "
    "FROM marked_episodes m JOIN episodes e ON e.id = m.episode_id JOIN shows s ON s.id = m.show_id "
    "WHERE m.user_id = :user_id AND m.type = 0 ORDER BY m.marked_at DESC, m.episode_id DESC LIMIT :limit OFFSET :offset"
)

OTHER_FOLLOWS = (
    "SELECT 'people' AS kind, f.person_id AS id, p.name FROM followed_people f JOIN people p ON p.id = f.person_id "
    "WHERE f.user_id = :user_id "
    "UNION ALL SELECT 'networks', f.network_id, n.name FROM followed_networks f JOIN networks n ON n.id = f.network_id "
    "WHERE f.user_id = :user_id "
    "UNION ALL SELECT 'webchannels', f.webchannel_id, w.name FROM followed_webchannels f "
    "JOIN webchannels w ON w.id = f.webchannel_id WHERE f.user_id = :user_id"
)
