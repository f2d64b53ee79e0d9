"""The hooks' SQL, written once for SQLite and PostgreSQL. Every statement on a user's rows
carries `:user_id` and runs through `Scoped`."""

SETTINGS = "SELECT mark_acquired, server_users FROM hook_settings WHERE user_id = :user_id"

SAVE_SETTINGS = (
    "INSERT INTO hook_settings (user_id, mark_acquired, server_users) VALUES (:user_id, :acquired, :users) "
    "ON CONFLICT (user_id) DO UPDATE SET mark_acquired = excluded.mark_acquired, server_users = excluded.server_users"
)

FIX = "SELECT show_id FROM hook_show_fixes WHERE user_id = :user_id AND title_key = :key"

SAVE_FIX = (
    "INSERT INTO hook_show_fixes (user_id, title_key, show_id, created_at) VALUES (:user_id, :key, :show_id, :now) "
    "ON CONFLICT (user_id, title_key) DO UPDATE SET show_id = excluded.show_id, created_at = excluded.created_at"
)

CURRENT_MARK = "SELECT type FROM marked_episodes WHERE user_id = :user_id AND episode_id = :episode_id"

_COLUMNS = (
    "id, received_at, source, event, action, status, server_user, title, named, ref, event_at, "
    "show_id, episode_id, reason"
)

LOG = (
    "INSERT INTO hook_activity (user_id, received_at, source, event, action, status, server_user, title, named, "
    "ref, event_at, show_id, episode_id, reason) VALUES (:user_id, :received_at, :source, :event, :action, "
    ":status, :server_user, :title, :named, :ref, :event_at, :show_id, :episode_id, :reason) RETURNING id"
)

ENTRY = f"SELECT {_COLUMNS} FROM hook_activity WHERE user_id = :user_id AND id = :id"

RECENT = f"SELECT {_COLUMNS} FROM hook_activity WHERE user_id = :user_id ORDER BY id DESC LIMIT :limit"

RECENT_BEFORE = (
    f"SELECT {_COLUMNS} FROM hook_activity WHERE user_id = :user_id AND id < :before ORDER BY id DESC LIMIT :limit"
)

# Unmatched entries that a fix may settle, oldest first: they are applied in the order they happened.
UNMATCHED = (
    f"SELECT {_COLUMNS} FROM hook_activity WHERE user_id = :user_id AND status = 'unmatched' "
    "AND title IS NOT NULL ORDER BY id DESC LIMIT :limit"
)

SETTLE = (
    "UPDATE hook_activity SET status = :status, show_id = :show_id, episode_id = :episode_id, reason = :reason "
    "WHERE user_id = :user_id AND id = :id"
)

# The user's entries older than their newest :keep (the log is for recent events).
PRUNE = (
    "DELETE FROM hook_activity WHERE user_id = :user_id AND id < (SELECT id FROM hook_activity "
    "WHERE user_id = :user_id ORDER BY id DESC LIMIT 1 OFFSET :keep)"
)
