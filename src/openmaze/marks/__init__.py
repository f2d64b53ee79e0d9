"""Marked episodes (watched, acquired, skipped): `/v1/user/episodes` (`routes`), the
marking rules shared with scrobbling and imports (`service`), and wire shapes (`schemas`)."""
