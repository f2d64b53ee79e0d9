"""`/healthz` and `/readyz`: `routes`."""
