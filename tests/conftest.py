import contextlib
import inspect
import io
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from actors.models import Need, Neighbourhood


def load_reference_data():
    """The real quartiers and the taxonomy, as `make run` loads them."""
    if not Neighbourhood.objects.exists():
        call_command("load_neighbourhoods", stdout=io.StringIO(), stderr=io.StringIO())
    if not Need.objects.exists():
        call_command("loaddata", "needs", "publics", "languages", "kind_defaults", verbosity=0)


class FailOnUndefinedVariables:
    """`string_if_invalid` in tests: a variable that does not resolve in one of the
    project's own templates fails the test ("{{ quartier_options }}" printed nothing).
    Django's and the libraries' templates keep their optional variables (the admin's
    `site_title`), as pytest-django's FAIL_INVALID_TEMPLATE_VARS would not."""

    def __contains__(self, key):
        return key == "%s"

    def __mod__(self, variable):
        from django.conf import settings

        origin = self._origin()
        if origin is not None and str(origin).startswith(str(settings.BASE_DIR / "templates")):
            pytest.fail(f"Undefined template variable '{variable}' in '{origin}'")
        return ""

    @staticmethod
    def _origin():
        for frame in inspect.stack()[2:]:
            if frame.function == "render":
                origin = getattr(frame.frame.f_locals.get("self"), "origin", None)
                if origin is not None:
                    return origin
        return None


@pytest.fixture(scope="session", autouse=True)
def fail_on_undefined_template_variables():
    from django.template import engines

    engine = engines["django"].engine
    engine.string_if_invalid, previous = FailOnUndefinedVariables(), engine.string_if_invalid
    yield
    engine.string_if_invalid = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        _keep_a_migrated_copy(tmp_path_factory)
        load_reference_data()


_MIGRATED = {}


def _keep_a_migrated_copy(tmp_path_factory):
    """On SQLite, the test database just migrated, copied to a file before any data goes in:
    tests that run commands in processes of their own start from a copy of it instead of
    migrating a database again (5 s each)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    path = tmp_path_factory.mktemp("migrated") / "migrated.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    _MIGRATED["sqlite"] = path


@pytest.fixture
def migrated_sqlite(tmp_path, django_db_setup, tmp_path_factory):
    """A SQLite file of this test's, migrated and empty, as `manage.py migrate` leaves it.
    When the suite runs on PostgreSQL, `migrate` makes one in a process of its own, once."""
    from django.conf import settings

    if "sqlite" not in _MIGRATED:
        path = tmp_path_factory.mktemp("migrated") / "migrated.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{path}"},
            check=True,
            timeout=300,
        )
        _MIGRATED["sqlite"] = path
    copy = tmp_path / "migrated.sqlite3"
    shutil.copyfile(_MIGRATED["sqlite"], copy)
    return copy


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests, which flush the database between tests."""
    load_reference_data()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_caches():
    """Tests do not see each other's searches: no cached results page, no dedup key."""
    from django.core.cache import caches

    from actors import vocabulary
    from transit import nearby

    vocabulary.forget()  # a rolled-back test may have created needs or quartiers
    nearby.forget_kept_index()  # … or a transport network
    caches["insights"].clear()
    caches["local"].clear()
    # The database cache by default needs database access; a test without the
    # database cannot have cached a page either.
    with contextlib.suppress(RuntimeError):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def french_by_default():
    """Each test starts in French: a request in English leaves English active in the
    thread (Django's LocaleMiddleware does not switch back), whatever test comes next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def no_internet_geocoder(settings):
    """No test reaches the internet: by default the geocoder points at a closed
    loopback port (it answers "unavailable" at once); tests that need answers
    start a local BAN-format server and point the geocoder at it."""
    settings.GEOCODER_SCHEME = "http"
    settings.GEOCODER_DOMAIN = "127.0.0.1:9"


@pytest.fixture(autouse=True)
def no_internet_tiles(settings):
    """No map tile comes from the internet either: the guide's map is drawn without tiles
    unless a test starts the fictional tile server (tests/tile_server.py)."""
    settings.MAP_TILE_URL = ""


# --- The cast: one line each on who they are ----------------------------------------


@pytest.fixture
def staff_agent(db):
    """A Conseil régional agent: edits entries in the admin and moderates."""
    return get_user_model().objects.create_user(
        "agent", "agent@region.example.org", "motdepasse-agent", is_staff=True, is_superuser=True
    )


@pytest.fixture
def staff_client(client, staff_agent):
    client.force_login(staff_agent)
    return client


# --- Partners (partners app): two partner accounts, each a member of one structure --------


def _partner(username, structure):
    from partners.models import Membership

    user = get_user_model().objects.create_user(
        username, f"{username}@partenaire.example.org", f"motdepasse-{username}"
    )
    Membership.objects.create(structure=structure, user=user)
    return user


def _signed_in(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def structure_a(db):
    """Partner A's structure: a published Mission locale in the Breil, never verified."""
    from tests.factories import make_structure

    return make_structure(name="Mission locale A", kind="mission-locale")


@pytest.fixture
def structure_b(db):
    """Partner B's structure: a published CIO, never verified."""
    from tests.factories import make_structure

    return make_structure(name="CIO B", kind="cio")


@pytest.fixture
def partner_a(structure_a):
    """A Mission locale adviser who keeps structure A current; no admin access."""
    return _partner("partenaire-a", structure_a)


@pytest.fixture
def partner_b(structure_b):
    """A CIO psychologist (PsyEN) who keeps structure B current; no admin access."""
    return _partner("partenaire-b", structure_b)


@pytest.fixture
def partner_a_client(partner_a):
    """A browser signed in as partner A (its own Client, so tests can mix roles)."""
    return _signed_in(partner_a)


@pytest.fixture
def partner_b_client(partner_b):
    """A browser signed in as partner B."""
    return _signed_in(partner_b)
