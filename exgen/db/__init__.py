"""Storage: SQLAlchemy models, sessions, and the Alembic upgrade exgen runs on first use."""
