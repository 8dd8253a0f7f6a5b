"""Reflow (WCAG 1.4.10, RGAA 10.11): at 320 CSS pixels wide — a phone, or 1280 px at 400 %
zoom — no page scrolls sideways and no text is cut, in both languages; the same with the
text-spacing override of WCAG 1.4.12 (RGAA 10.12).
"""

import pytest

from tests.e2e.site import (
    make_breil,
    partner_pages,
    public_pages,
    set_desk_and_selection,
    sign_in_partner_a,
    speak,
)

pytestmark = pytest.mark.e2e

WIDTH = 320
HEIGHT = 256  # 1280 × 1024 at 400 %

# What sticks out of the viewport on the right, and text cut by its own box: elements
# whose content is wider than they are while they hide the overflow. Off-screen helpers
# (the skip link at -9999 px, visually hidden text) are not content that is cut, and a
# grid of fields that scrolls inside its own box (WCAG 1.4.10 exempts two-dimensional
# content) does not make the page scroll; form fields scroll their own text.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    const describe = (element) => {
        const text = (element.innerText || element.getAttribute("aria-label") || "").trim();
        const classes = typeof element.className === "string" ? element.className : "";
        return `<${element.tagName.toLowerCase()} class="${classes}">` + text.slice(0, 60);
    };
    const insideScroller = (element) => {
        for (let box = element.parentElement; box !== document.body; box = box.parentElement) {
            const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
            if (scrolls && box.getBoundingClientRect().right <= width + 0.5) return true;
        }
        return false;
    };
    for (const element of document.body.querySelectorAll("*")) {
        if (!element.checkVisibility()) continue;
        if (element.closest(".visually-hidden, .skip-link, .leaflet-container")) continue;
        if (insideScroller(element)) continue;
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.right > width + 0.5) {
            // The outermost element that sticks out says where to look; its content follows it.
            const parent = element.parentElement.getBoundingClientRect();
            if (parent.right > width + 0.5 && element.parentElement !== document.body) continue;
            found.push(`${Math.round(box.right - width)} px past the edge: ${describe(element)}`);
            continue;
        }
        const style = getComputedStyle(element);
        const clips = ["hidden", "clip"].includes(style.overflowX)
            || style.textOverflow === "ellipsis";
        const field = ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
        const cut = element.scrollWidth - element.clientWidth;
        if (clips && !field && cut > 1) found.push(`cut by ${cut} px: ${describe(element)}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, found };
}"""

TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""


def reflow_problems(page, url, text_spacing=False):
    response = page.goto(url)
    assert response.ok, f"{url} answered {response.status}"
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-ready=true]")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    if text_spacing:
        page.add_style_tag(content=TEXT_SPACING)
    measured = page.evaluate(OVERFLOW)
    problems = list(measured["found"][:6])
    if measured["scrollWidth"] > measured["width"]:
        problems.insert(0, f"page {measured['scrollWidth']} px wide in {measured['width']} px")
    return [f"{url}{' (text spacing)' if text_spacing else ''}: {p}" for p in problems]


@pytest.fixture
def context_options():
    # The text-spacing override is a style the page's Content-Security-Policy refuses.
    return {"viewport": {"width": WIDTH, "height": HEIGHT}, "bypass_csp": True}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_page_is_wider_than_320_pixels(
    reference_data, structure_a, partner_a, live_server, context, page, snap, language
):
    breil = make_breil()
    set_desk_and_selection(page, breil)
    speak(context, live_server, language)
    problems, widths = [], {}
    for url in public_pages(breil):
        found = reflow_problems(page, url) + reflow_problems(page, url, text_spacing=True)
        widths[url] = page.evaluate("() => document.documentElement.scrollWidth")
        if found:
            problems += found
            snap(page, f"{len(widths):02d}")
    sign_in_partner_a(page, language)
    for url in partner_pages(structure_a):
        problems += reflow_problems(page, url) + reflow_problems(page, url, text_spacing=True)
        widths[url] = page.evaluate("() => document.documentElement.scrollWidth")
    print(f"\nwidths at {WIDTH} px ({language}):", widths)
    assert not problems, "\n".join(problems)
