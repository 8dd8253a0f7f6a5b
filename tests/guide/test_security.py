"""Production settings, security headers, brute-force protection, escaping everywhere."""

import io
import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from guide.settings import client_address_settings
from tests.factories import BREIL_CENTRE, make_structure, offset

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
HTML_DESCRIPTION = '<img src=x onerror="alert(2)"><b>gras</b><a href="javascript:alert(3)">lien</a>'


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production_env(**extra):
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "guide.example.org",
        **extra,
    }


# --- Production settings --------------------------------------------------------------


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_leaves_the_example_data_out():
    """The demo app (seed_demo, seed_search_demo) is for development and demonstrations:
    with the production settings its commands do not exist, unless DEMO_DATA=1."""
    env = _production_env()
    env.pop("DEMO_DATA", None)
    result = _manage("seed_demo", "--count", "1", **{**env, "DEMO_DATA": "0"})
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr
    shown = _manage("help", "seed_demo", **{**env, "DEMO_DATA": "1"})
    assert shown.returncode == 0, shown.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    env["SECRET_KEY"] = ""
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_code_only_commands_run_from_a_bare_checkout_without_a_secret_key():
    # makemigrations reads models only: no DEBUG, no SECRET_KEY needed. Serving
    # commands still refuse (the test above).
    env = _production_env()
    env["SECRET_KEY"] = ""
    result = _manage("makemigrations", "--check", "--dry-run", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_boolean_setting_that_is_neither_true_nor_false_stops_the_process():
    result = _manage("check", DEBUG="peut-être")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_production_headers_and_cookies(tmp_path, migrated_sqlite):
    """A page served with the production settings, in a process of its own."""
    static_root = str(tmp_path / "static")
    collected = _manage("collectstatic", "--noinput", **_production_env(STATIC_ROOT=static_root))
    assert collected.returncode == 0, collected.stderr
    script = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
settings.ALLOWED_HOSTS = ["guide.example.org"]
from django.test import Client
client = Client(HTTP_HOST="guide.example.org")
redirect = client.get("/")
response = client.get("/partenaires/connexion/", secure=True)
cookie = response.cookies.get("csrftoken")
switched = Client(HTTP_HOST="guide.example.org").post(
    "/i18n/setlang/", {"language": "en", "next": "/"}, secure=True
)
language = switched.cookies.get("django_language")
print(json.dumps({
    "redirect": [redirect.status_code, redirect.get("Location")],
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_secure": bool(cookie and cookie["secure"]),
    "language_cookie": [
        language.value, bool(language["secure"]), language["samesite"], bool(language["httponly"])
    ],
}))
"""
    env = {
        **os.environ,
        **_production_env(DATABASE_URL=f"sqlite:///{migrated_sqlite}", STATIC_ROOT=static_root),
    }
    env["DJANGO_SETTINGS_MODULE"] = "guide.settings"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["redirect"] == [301, "https://guide.example.org/"]
    assert facts["hsts"] == "max-age=31536000; includeSubDomains"  # preload is opt-in
    assert facts["csrf_secure"]
    assert facts["language_cookie"] == ["en", True, "Lax", True]


def test_hsts_preload_is_opt_in():
    script = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    assert (
        _manage("shell", "--no-imports", "-c", script, **_production_env()).stdout.strip()
        == "False"
    )
    opted_in = _manage(
        "shell", "--no-imports", "-c", script, **_production_env(SECURE_HSTS_PRELOAD="1")
    )
    assert opted_in.stdout.strip() == "True"
    checked = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **_production_env(SECURE_HSTS_PRELOAD="1")
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_an_empty_map_tile_url_turns_the_tiles_off():
    script = (
        "from django.conf import settings; "
        "print(repr(settings.MAP_TILE_URL), "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    off = _manage("shell", "--no-imports", "-c", script, DEBUG="1", MAP_TILE_URL="")
    assert off.stdout.strip() == "'' [\"'self'\", 'data:']", off.stderr
    default = _manage("shell", "--no-imports", "-c", script, DEBUG="1")
    assert "tile.openstreetmap.org" in default.stdout


def test_security_headers_on_every_page(client):
    make_structure(needs=["stage-de-3e"])
    for url in ["/", "/recherche/?besoin=stage-de-3e", "/carte/", "/partenaires/connexion/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert "frame-ancestors 'none'" in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<[a-z]+[^>]*\sstyle=", re.I)
INLINE_HANDLER = re.compile(r"<[a-z]+[^>]*\son[a-z]+=", re.I)


def test_pages_have_no_inline_script_style_or_handler(client, admin_client):
    structure = make_structure(needs=["stage-de-3e"])
    client.post(reverse("frontdesk:selection-add"), {"slug": structure.slug})
    urls = [
        "/",
        "/recherche/?quartier=breil-barberie",
        "/carte/?quartier=breil-barberie",
        "/quartiers/",
        "/quartiers/breil-barberie/",
        "/quartiers/breil-barberie/guide/",
        structure.get_absolute_url(),
        "/selection/",
        "/selection/fiche/",
        "/mon-accueil/",
        "/partenaires/connexion/",
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(page), url
        assert not INLINE_STYLE.search(page), url
        assert not INLINE_HANDLER.search(page), url


# --- Brute force ----------------------------------------------------------------------------


def _failed_logins(client, url, username, count):
    for _ in range(count):
        client.post(url, {"username": username, "password": "mauvais"})


def test_partner_login_locks_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user("partenaire", "p@example.org", "le-bon-mot-de-passe")
    url = reverse("partners:login")
    _failed_logins(client, url, "partenaire", settings.AXES_FAILURE_LIMIT)
    response = client.post(url, {"username": "partenaire", "password": "le-bon-mot-de-passe"})
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_locks_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user(
        "agente", "a@example.org", "mot-de-passe-agente", is_staff=True
    )
    url = reverse("admin:login")
    _failed_logins(client, url, "agente", settings.AXES_FAILURE_LIMIT)
    response = client.post(url, {"username": "agente", "password": "mot-de-passe-agente"})
    assert response.status_code == 429


def test_a_few_mistakes_do_not_lock_anyone_out(client, django_user_model):
    django_user_model.objects.create_user("partenaire", "p@example.org", "le-bon-mot-de-passe")
    url = reverse("partners:login")
    _failed_logins(client, url, "partenaire", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(url, {"username": "partenaire", "password": "le-bon-mot-de-passe"})
    assert response.status_code == 302


def test_behind_a_proxy_the_lockout_counts_each_client_not_the_proxy(
    client, settings, django_user_model
):
    # Axes used to count REMOTE_ADDR: behind the proxy anyone locked any account for everyone.
    for name, value in client_address_settings(1, "").items():
        setattr(settings, name, value)
    django_user_model.objects.create_user("partenaire", "p@example.org", "le-bon-mot-de-passe")
    url = reverse("partners:login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    _failed_logins(attacker, url, "partenaire", settings.AXES_FAILURE_LIMIT)
    good = {"username": "partenaire", "password": "le-bon-mot-de-passe"}
    assert attacker.post(url, good).status_code == 429
    # Writing someone else's address in its own header changes nothing: the proxy appends.
    spoofing = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")
    assert spoofing.post(url, good).status_code == 429
    partner = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert partner.post(url, good).status_code == 302


def test_the_proxy_count_comes_from_the_environment():
    script = (
        "from django.conf import settings; "
        "print(settings.AXES_IPWARE_META_PRECEDENCE_ORDER, settings.AXES_IPWARE_PROXY_COUNT)"
    )
    result = _manage("shell", "--no-imports", "-c", script, DEBUG="1", TRUSTED_PROXY_COUNT="2")
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR') 1", result.stderr
    bad = _manage("check", DEBUG="1", TRUSTED_PROXY_COUNT="deux")
    assert "TRUSTED_PROXY_COUNT must be an integer" in bad.stderr


# --- Escaping -------------------------------------------------------------------------------


@pytest.fixture
def hostile():
    """A structure whose name and description are attacks."""
    return make_structure(
        name=SCRIPT,
        description=HTML_DESCRIPTION,
        at=offset(BREIL_CENTRE, east_m=100),
        needs=["stage-de-3e"],
        public_transport=SCRIPT,
        what_to_bring=SCRIPT,
    )


def test_names_and_descriptions_are_escaped_on_every_page(client, hostile):
    client.post(reverse("frontdesk:selection-add"), {"slug": hostile.slug, "besoin": "stage-de-3e"})
    client.post(reverse("frontdesk:desk-set"), {"slug": hostile.slug})
    urls = [
        "/",
        "/recherche/?quartier=breil-barberie&besoin=stage-de-3e",
        "/recherche/?q=alert",
        "/carte/?quartier=breil-barberie",
        "/quartiers/breil-barberie/",
        "/quartiers/breil-barberie/guide/",
        hostile.get_absolute_url(),
        "/selection/",
        "/selection/fiche/",
        "/mon-accueil/?q=alert",
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert SCRIPT not in page, url
        assert "<img src=x" not in page and "<b>gras</b>" not in page, url
        assert 'href="javascript:' not in page, url
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in client.get(hostile.get_absolute_url()).content.decode()
    )


def test_the_api_never_returns_markup(client, hostile):
    for url in [
        "/api/v1/structures/?quartier=breil-barberie",
        "/api/v1/structures.geojson?quartier=breil-barberie",
        f"/api/v1/structures/{hostile.slug}/",
    ]:
        raw = client.get(url).content
        assert b"<script" not in raw and b"<img" not in raw, url
    detail = client.get(f"/api/v1/structures/{hostile.slug}/").json()
    assert detail["name"] == SCRIPT  # the data is intact once decoded


def test_export_errors_and_the_selection_never_return_markup(client, hostile):
    # The export views answered their 400 with the raw <script> of the parameter.
    for url in ["/export/structures.csv", "/export/structures.json", "/export/structures.geojson"]:
        response = client.get(url, {"besoin": SCRIPT})
        assert response.status_code == 400, url
        assert b"<script" not in response.content, url
        assert SCRIPT in response.json()["errors"]["besoin"][0]  # intact once decoded
    added = client.post(
        reverse("frontdesk:selection-add"), {"slug": hostile.slug}, HTTP_ACCEPT="application/json"
    )
    assert b"<script" not in added.content and SCRIPT in added.json()["message"]


def test_exports_keep_the_text_as_data(client, hostile):
    geojson = client.get("/export/structures.geojson")
    assert (
        json.loads(b"".join(geojson.streaming_content))["features"][0]["properties"]["nom"]
        == SCRIPT
    )
    csv_body = b"".join(client.get("/export/structures.csv").streaming_content).decode("utf-8-sig")
    assert SCRIPT in csv_body  # CSV is data, read by spreadsheets, never rendered as HTML
    for url in ["/export/structures.csv", "/export/structures.json", "/export/structures.geojson"]:
        response = client.get(url)
        assert not response["Content-Type"].startswith("text/html"), url
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_pdf_prints_the_name_as_text(client, hostile):
    response = client.get("/quartiers/breil-barberie/guide/", {"format": "pdf"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "alert(1)" in text and "<script>" in text.replace(" ", "")
