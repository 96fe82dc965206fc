"""The crawl of the accessibility and small-screen tests (tests/e2e/test_accessibility.py):
every page a demo user reaches from the home page by following same-site links, GET only,
and the checks run on each page.

The crawl is bounded: one page per URL pattern (the numbers of a path are one pattern:
/cases/12/plan/ and /cases/31/plan/ are the same page for the checks), at most
``MAX_PAGES`` pages per user. It never follows what is not a page: logging out, downloads
(PDF, CSV, spreadsheets, JSON, files), the language switch (a form), the Django admin
(Django's own pages) and the health check.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

# One demo user per role (cases/demo/users.py): the users the crawls log in as.
DEMO_ROLES = [
    "frontline-rav-ow",
    "coordinator-ow",
    "coordinator-youth",
    "casemanager-ow",
    "contact-rav-ow",
    "officer",
    "secretariat",
    "legal",
    "steering",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
MAX_PAGES = 60
VIEWPORTS = [(1280, 800), (768, 1024), (390, 844)]  # laptop, tablet, phone
SKIP = re.compile(
    r"""(
        /accounts/logout | /language/ | /admin/ | /healthz
        | \.(csv|xlsx|json|pdf)$ | /pdf/$ | /export | /files/\d+/$ | /download
    )""",
    re.X,
)


def pattern_of(path: str) -> str:
    """The numbers of a path are one pattern, except the case page itself: each case is in
    another state, and its page links to other pages."""
    if re.fullmatch(r"/cases/\d+/", path):
        return path
    return re.sub(r"\d+", "N", path)


@dataclass
class Finding:
    user: str
    language: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"[{self.user} {self.language}] {self.path}: {self.problem}"


@dataclass
class Crawl:
    base: str
    user: str
    language: str
    findings: list[Finding] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    hinted: set[str] = field(default_factory=set)  # pages with a wide table and its hint on a phone

    def fail(self, path: str, problem: str) -> None:
        self.findings.append(Finding(self.user, self.language, path, problem))

    def links(self, page) -> list[str]:
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        out = []
        for href in hrefs:
            url, _fragment = urldefrag(href)
            parts = urlsplit(url)
            if not url.startswith(self.base) or SKIP.search(parts.path):
                continue
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return out

    def pages(self, page, start: str = "/"):
        """Visit the pages, yielding each path once the page is loaded (HTML, status 200)."""
        seen_patterns = {pattern_of(start)}
        queue = deque([start])
        while queue and len(self.visited) < MAX_PAGES:
            path = queue.popleft()
            response = page.goto(self.base + path)
            if response is None or response.status != 200:
                self.fail(path, f"status {response.status if response else 'none'} for a link on a page")
                continue
            if not (response.headers.get("content-type") or "").startswith("text/html"):
                continue
            self.visited.append(path)
            yield path
            for link in self.links(page):
                key = pattern_of(urlsplit(link).path)
                if key not in seen_patterns:
                    seen_patterns.add(key)
                    queue.append(link)


# --- the checks ----------------------------------------------------------------------------

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}

STRUCTURE = """() => {
  const problems = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  // A label on every field.
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title;
    if (!named) problems.push('field without a label: ' + describe(el));
  }
  // Errors tied to their field.
  for (const el of document.querySelectorAll('.is-invalid')) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const own = ids.map(id => document.getElementById(id)).filter(Boolean);
    if (!own.some(node => node.classList.contains('invalid-feedback') || node.classList.contains('errorlist')))
      problems.push('invalid field whose error is not tied with aria-describedby: ' + describe(el));
  }
  // No positive tabindex (the tab order follows the page).
  for (const el of document.querySelectorAll('[tabindex]'))
    if (parseInt(el.getAttribute('tabindex'), 10) > 0) problems.push('positive tabindex: ' + describe(el));
  // The regions htmx updates are announced.
  for (const el of document.querySelectorAll('[hx-get], [hx-post]')) {
    const selector = el.getAttribute('hx-target');
    const target = selector ? document.querySelector(selector) : el;
    if (!target) { problems.push('htmx target missing: ' + selector); continue; }
    if (!target.closest('[aria-live], [role=status], [role=alert], [role=log]'))
      problems.push('htmx region without aria-live: ' + (selector || describe(el)));
  }
  // Charts: an image with a text alternative, or hidden next to their table.
  for (const svg of document.querySelectorAll('main svg')) {
    if (svg.closest('[aria-hidden=true]')) continue;
    const named = svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby') || svg.querySelector('title');
    if (!named) problems.push('svg without a text alternative');
  }
  // A skip link first, to the main content.
  const skip = document.querySelector('body a.skip-link');
  if (!skip || skip.getAttribute('href') !== '#main' || !document.getElementById('main')) problems.push('no skip link to #main');
  return problems;
}"""

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing focused';
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) return 'focused element not visible: ' + el.outerHTML.slice(0, 80);
  return outline || shadow ? '' : 'no visible focus on ' + el.outerHTML.slice(0, 80);
}"""

OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth) return '';
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1 && !el.closest('.table-responsive, .table-scroll, .visually-hidden, .visually-hidden-focusable'))
    .slice(-3).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
  return doc.scrollWidth + ' > ' + doc.clientWidth + ' (' + wide.join(', ') + ')';
}"""


def check_axe(crawl: Crawl, page, path: str) -> None:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"][:3])
            crawl.fail(path, f"axe {violation['impact']} {violation['id']}: {violation['help']} ({targets})")


def check_structure(crawl: Crawl, page, path: str) -> None:
    for problem in page.evaluate(STRUCTURE):
        crawl.fail(path, problem)


def check_keyboard(crawl: Crawl, page, path: str) -> None:
    """The first Tab reaches the skip link, visibly; Enter on it moves the focus to the main
    content; the next Tab stops show a visible focus too."""
    # Start from the top of the page, whatever has the focus now (a field with autofocus).
    page.evaluate(
        """() => { const start = document.createElement('span'); start.tabIndex = -1;
        document.body.prepend(start); start.focus(); start.remove(); window.scrollTo(0, 0); }"""
    )
    page.keyboard.press("Tab")
    if not page.evaluate("() => document.activeElement.classList.contains('skip-link')"):
        crawl.fail(path, "the first Tab does not reach the skip link")
        return
    problem = page.evaluate(FOCUS_STYLE)
    if problem:
        crawl.fail(path, problem)
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != "main":
        crawl.fail(path, "the skip link does not move the focus to the main content")
    for _ in range(3):
        page.keyboard.press("Tab")
        problem = page.evaluate(FOCUS_STYLE)
        if problem and problem != "nothing focused":
            crawl.fail(path, problem)


SCROLL_HINTS = """() => [...document.querySelectorAll('.table-responsive')]
  .filter(box => box.scrollWidth > box.clientWidth + 1 && box.offsetParent !== null)
  .filter(box => { const hint = box.previousElementSibling;
    return !(hint && hint.classList.contains('scroll-hint') && !hint.hidden && box.tabIndex === 0); })
  .map(box => box.querySelector('table') ? [...box.querySelector('table').classList].join('.') : 'box')"""


def check_widths(crawl: Crawl, page, path: str) -> None:
    """No sideways scrolling of the page; a table wider than its box shows the hint."""
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)  # the resize handler of static/js/iiz.js
        problem = page.evaluate(OVERFLOW)
        if problem:
            crawl.fail(path, f"scrolls sideways at {width}×{height}: {problem}")
        for table in page.evaluate(SCROLL_HINTS):
            crawl.fail(path, f"a wide table without its scroll hint at {width}×{height}: {table}")
        if page.locator(".scroll-hint:not([hidden])").count():
            crawl.hinted.add(path)
    page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
