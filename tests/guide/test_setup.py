"""A fresh checkout sets itself up with the commands the README shows, in a plain shell."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

README = Path(settings.BASE_DIR) / "README.md"
FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures"


def _plain_shell(command, tmp_path, **env):
    """`command` through bash with nothing of this process's environment but PATH and HOME:
    no DEBUG, no SECRET_KEY (a new terminal); the database is a file of this test's."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        **env,
    }
    return subprocess.run(
        ["bash", "-c", command],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _readme_command(pattern):
    """The one command of the README that matches `pattern`, as written there."""
    commands = re.findall(r"(?m)^(?:- [^`]*`)?([^`\n]*manage\.py [^`\n]*)", README.read_text())
    matching = [c.strip() for c in commands if re.search(pattern, c)]
    assert len(matching) == 1, (pattern, matching)
    return matching[0]


def test_migrate_alone_leaves_a_working_cache(tmp_path):
    # createcachetable used to be a separate step: without it, "no such table: guide_cache".
    migrated = _plain_shell("DEBUG=1 .venv/bin/python manage.py migrate --noinput", tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    used = _plain_shell(
        "DEBUG=1 .venv/bin/python manage.py shell --no-imports -c "
        "\"from django.core.cache import cache; cache.set('k', 'v'); print(cache.get('k'))\"",
        tmp_path,
    )
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "v"


def test_every_manage_py_command_of_the_readme_says_how_it_runs():
    """Development commands carry DEBUG=1; the production block's rely on its environment."""
    text = README.read_text()
    production = text[text.index("In production, with `DEBUG=0`") :]
    production = production[: production.index("```\n\n") + 4]
    bare = [
        line
        for line in re.findall(r"[^`\n]*manage\.py [a-z_]+[^`\n]*", text.replace(production, ""))
        if not line.strip().startswith("DEBUG=1 .venv/bin/python manage.py ")
        and "`DEBUG=1 .venv/bin/python manage.py" not in line
    ]
    assert not bare, bare


def test_the_readme_data_commands_run_as_written_in_a_plain_shell(tmp_path, migrated_sqlite):
    # They used to fail outside make: settings refused to start without DEBUG or SECRET_KEY.
    # (Migrating a new database is the test above; this one starts from a migrated copy.)
    migrated_sqlite.rename(tmp_path / "fresh.sqlite3")
    assert _plain_shell("DEBUG=1 .venv/bin/python manage.py migrate -v0", tmp_path).returncode == 0
    commands = [
        _readme_command(r"load_neighbourhoods \[FILE\]").replace(" [FILE]", ""),
        _readme_command(r"loaddata needs publics languages"),
        re.sub(r" \[.*", " --count 3", _readme_command(r"seed_demo")),
        _readme_command(r"export_structures --format csv --output").replace(
            "structures.csv", str(tmp_path / "structures.csv")
        ),
        _readme_command(r"import_structures structures.json --format data-inclusion")
        .replace("services.json", str(FIXTURES / "data-inclusion-services.json"))
        .replace("structures.json", str(FIXTURES / "data-inclusion-structures.json")),
        _readme_command(r"import_gtfs naolib-gtfs.zip").replace(
            "naolib-gtfs.zip", str(FIXTURES.parent.parent / "fixtures" / "gtfs-exemple")
        ),
    ]
    for command in commands:
        result = _plain_shell(command, tmp_path)
        assert result.returncode == 0, (command, result.stderr[-2000:])
    assert "exemple" in (tmp_path / "structures.csv").read_text(encoding="utf-8-sig")


def test_without_debug_or_a_secret_key_a_command_says_what_to_do(tmp_path):
    result = _plain_shell(".venv/bin/python manage.py check", tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "DEBUG=1 .venv/bin/python manage.py" in result.stderr


@pytest.mark.parametrize("step", ["update", "install -y chromium"])
def test_make_chromium_waits_for_the_dpkg_lock(step):
    # Another apt run holding the lock used to make `make chromium` fail at once.
    result = subprocess.run(
        ["make", "-n", "chromium", "CHROMIUM=/nonexistent"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"apt-get -o DPkg::Lock::Timeout=600 {step}" in result.stdout


def test_every_command_of_the_project_explains_itself():
    """`manage.py help <command>` works for each of the project's commands (a "80 %" in a
    help text made argparse fail on seed_demo)."""
    from django.core.management import get_commands, load_command_class

    ours = {"actors", "frontdesk", "partners", "opendata", "insights", "transit", "demo", "guide"}
    commands = {name: app for name, app in get_commands().items() if app in ours}
    assert "seed_demo" in commands and "load_neighbourhoods" in commands
    for name, app in commands.items():
        parser = load_command_class(app, name).create_parser("manage.py", name)
        assert parser.format_help(), name
