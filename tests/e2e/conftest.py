"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, storage) per test.
When a test fails, the key pages it captured with `snap` and the last state of
every open tab are written to test-artifacts/<test>/ (PNG, plus the page HTML).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium calls Google at start-up,
# which the closed network refuses (slowly).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
TIMEOUT_MS = 15_000

# The live server listens on 127.0.0.1 (pytest-django reads this when the
# session-wide `live_server` starts; `--liveserver` still wins).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


HERE = Path(__file__).parent


def pytest_itemcollected(item):
    """Guard: whatever is under tests/e2e/ is an e2e test, even if its marker was forgotten."""
    if HERE in item.path.parents:
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last (after pytest-django's own ordering): once the browser is open,
    its event loop in the main thread would trouble any other test."""
    items[:] = sorted(items, key=lambda item: HERE in item.path.parents)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures know at teardown if the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in the main thread while the
    # browser is open: Django would refuse the ORM calls that the tests (and the
    # database flush between them) make. Set only while the browser is open,
    # which is at the end of the run (see pytest_collection_modifyitems).
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_cached_results_pages(settings):
    """Live-server tests flush the database between tests, not the cache table: a
    results page cached by an earlier journey would show its places."""
    settings.SEARCH_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def offline_map(settings):
    """No map tile ever comes from the internet (the geocoder is already on a closed port)."""
    settings.MAP_TILE_URL = ""


@pytest.fixture
def context_options():
    """Overridden by a test module that needs other options (bypass_csp, a viewport)."""
    return {}


class BrowserProblems(list):
    """Uncaught script errors and scripts refused by the Content-Security-Policy.

    Styles refused by the policy do not break a journey: they are noted in
    STYLE_REFUSALS and listed at the end of the run.
    """

    def watch(self, page):
        page.on("pageerror", lambda error: self.append(f"{page.url}: uncaught {error}"))
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message):
        if message.type != "error" or "Content Security Policy" not in message.text:
            return
        if "style" in message.text.split("Content Security Policy")[0]:
            STYLE_REFUSALS.add(f"{page.url}: {message.text}")
        else:
            self.append(f"{page.url}: {message.text}")


STYLE_REFUSALS = set()


def pytest_terminal_summary(terminalreporter):
    if STYLE_REFUSALS:
        terminalreporter.section("styles refused by the Content-Security-Policy")
        for line in sorted(STYLE_REFUSALS):
            terminalreporter.write_line(line)


@pytest.fixture
def browser_problems():
    return BrowserProblems()


@pytest.fixture
def shots():
    """Screenshots of a journey's key pages, kept in memory; written only on failure."""
    return []


@pytest.fixture
def snap(shots):
    def snap(page, name):
        shots.append((name, page.screenshot(full_page=True), page.content()))

    return snap


@pytest.fixture
def new_context(browser, live_server, context_options, browser_problems, shots, request):
    """Opens a browser context per person in the journey (own cookies); all closed at the end.

    If the test failed, the captured key pages and the last state of every open
    tab are written to test-artifacts/ first.
    """
    contexts = []

    def new_context():
        options = {
            "base_url": live_server.url,
            "locale": "fr-FR",
            "timezone_id": "Europe/Paris",
            "viewport": {"width": 1280, "height": 900},
            **context_options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("page", browser_problems.watch)
        contexts.append(context)
        return context

    yield new_context
    if any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    ):
        _save_artifacts(request.node, contexts, shots)
    for context in contexts:
        context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()


def _save_artifacts(item, contexts, shots):
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid.split("/")[-1])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for number, (name, png, html) in enumerate(shots, start=1):
        (folder / f"{number:02d}-{name}.png").write_bytes(png)
        (folder / f"{number:02d}-{name}.html").write_text(html)
    last_pages = [page for context in contexts for page in context.pages]
    for number, page in enumerate(last_pages, start=1):
        try:
            page.screenshot(path=folder / f"last-{number}.png", full_page=True)
            (folder / f"last-{number}.html").write_text(page.content())
        except Exception as error:  # a crashed tab must not hide the test's own failure
            (folder / f"last-{number}.txt").write_text(f"{page.url}: {error}")
    print(f"\nScreenshots of the failed test: {folder}")
