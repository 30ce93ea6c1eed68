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

# Text boxes (each line of text, each form control) that cover one another
# by more than this many pixels both ways.
OVERLAP_PX = 2
OVERLAPS = """(slack) => {
    // Visible boxes: no ancestor squeezed to a pixel (.vh, the screen
    // readers' text) or pushed off the left edge (.skip until focused).
    const hidden = (e) => {
        for (; e && e !== document.body; e = e.parentElement) {
            const r = e.getBoundingClientRect();
            if (r.width <= 1 || r.height <= 1 || r.right <= 0) return true;
        }
        return false;
    };
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().replace(/\\s+/g, '.') : '');
    const boxes = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(), n = 0; node; node = walker.nextNode(), n++) {
        if (!node.textContent.trim() || hidden(node.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
            if (r.width > 0 && r.height > 0) boxes.push({owner: 't' + n, what: name(node.parentElement), r});
        }
    }
    document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach((e, n) => {
        const r = e.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && !hidden(e)) boxes.push({owner: 'c' + n, what: name(e), r});
    });
    const found = [];
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.owner === b.owner) continue;
            const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
            const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
            if (x > slack && y > slack) found.push(a.what + ' over ' + b.what);
        }
    }
    return [...new Set(found)].slice(0, 10);
}"""
# WCAG 1.4.4: text twice as large. The stylesheet sizes everything in rem
# and em, so doubling the root's font size (through the CSSOM, which the
# CSP allows) is what a browser's text size setting does to the page.
LARGE_TEXT = "document.documentElement.style.fontSize = '200%'"
NORMAL_TEXT = "document.documentElement.style.fontSize = ''"

_axe = Axe()


def text_overlaps(page):
    """Pairs of text lines or form controls drawn over one another, or []."""
    return page.evaluate(OVERLAPS, OVERLAP_PX)


def large_text_problems(page):
    """What goes wrong on the page with its text at 200%: elements wider
    than the viewport, text drawn over text; [] when nothing."""
    page.evaluate(LARGE_TEXT)
    try:
        return ([f"wider than the screen: {e}" for e in horizontal_overflow(page)]
                + [f"overlap: {pair}" for pair in text_overlaps(page)])
    finally:
        page.evaluate(NORMAL_TEXT)


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
