"""The database: connections and pools (`database`, `pgpool`), the schema (`tables`) and its
Alembic migrations (`migrate`, `migrations/`). Imports nothing else of openmaze but settings."""
