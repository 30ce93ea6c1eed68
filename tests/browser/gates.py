"""The checks every page must pass in Chromium, shared by the crawl and the
focused browser tests, each a plain function that returns what it found
(so the gate self-tests can show that it finds something)."""
from axe_playwright_python.sync_playwright import Axe

SMALL_SCREEN = {"width": 320, "height": 640}
# WCAG 2.0 and 2.1, levels A and AA: what the SPEC asks for.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\\s+/g, '.') : ''));
    return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10)};
}"""

_axe = Axe()


def horizontal_overflow(page):
    """The elements wider than the viewport, or [] when the page only scrolls
    vertically. Needs JavaScript in the page's context."""
    result = page.evaluate(OVERFLOW)
    if result["scrollWidth"] <= page.viewport_size["width"]:
        return []
    return result["wide"] or [f"the page is {result['scrollWidth']} px wide"]


def accessibility_violations(page):
    """axe-core's WCAG 2.1 AA violations, one line each: rule, impact, and
    the first elements concerned. axe is injected through the DevTools
    protocol, which the page's Content-Security-Policy does not govern."""
    results = _axe.run(page, options=AXE_OPTIONS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
            for v in results.response["violations"]]


def foreign_requests(requests, base_url):
    """Requests that left our own origin (fonts, analytics, CDNs)."""
    return [r.url for r in requests
            if not r.url.startswith((base_url + "/", "data:", "about:"))]
