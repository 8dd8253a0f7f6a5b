import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from actors.models import Need, Neighbourhood


def load_reference_data():
    """The real quartiers and the taxonomy, as `make run` loads them."""
    if not Neighbourhood.objects.exists():
        call_command("load_neighbourhoods", stdout=io.StringIO(), stderr=io.StringIO())
    if not Need.objects.exists():
        call_command("loaddata", "needs", "publics", "languages", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests, which flush the database between tests."""
    load_reference_data()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
