import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from current output"
    )


# -- databases: every storage test runs on SQLite and on the PostgreSQL server ---------------
import uuid

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ADMIN_URL = os.environ.get("EXGEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


_POSTGRES = None


def postgres_available() -> bool:
    global _POSTGRES
    if _POSTGRES is None:
        _POSTGRES = _postgres_available()
    return _POSTGRES


@pytest.fixture
def fresh_postgres_url():
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    if not postgres_available():
        pytest.skip("no PostgreSQL server answers at " + POSTGRES_ADMIN_URL)
    name = f"exgen_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        from exgen.storage.session import dispose_all

        dispose_all()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database URL: SQLite in a temporary directory, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'exgen.db'}"
        from exgen.storage.session import dispose_all

        dispose_all()
    else:
        yield request.getfixturevalue("fresh_postgres_url")


# -- a real browser: Debian's chromium through Playwright (tests marked browser_helpers.needs_chromium)
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from browser_helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
