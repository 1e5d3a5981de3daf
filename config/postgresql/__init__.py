"""Django's PostgreSQL backend with one change: see `base.DatabaseWrapper`.

Set as ENGINE in config/settings.py when DATABASE_URL names PostgreSQL."""
