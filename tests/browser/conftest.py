"""Browser tests: Debian's Chromium, driven by pytest-playwright, against `live_server`."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# (factories, assertions) are still synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# Running as root needs --no-sandbox; the rest keeps Chromium from phoning home during tests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
AXE_SERIOUS = ("serious", "critical")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # `playwright install` cannot download browsers here: always use the system Chromium.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    # Relative URLs in page.goto() resolve against the live server.
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def javascript_disabled(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    """A browser context with JavaScript off: the portal must work as plain HTML forms."""
    return new_context(java_script_enabled=False)


@pytest.fixture
def no_js_page(javascript_disabled: BrowserContext) -> Page:
    return javascript_disabled.new_page()


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through Django's login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/projects/")


@dataclass
class PageProblems:
    """Console errors and Content-Security-Policy violations seen by one page."""

    errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        url = message.location.get("url", "")
        if message.type == "error":
            self.errors.append(f"{text} ({url})" if url else text)
        if "securitypolicyviolation" in text or "Content Security Policy" in text:
            self.csp_violations.append(text)


# Reports each CSP violation to the console; added by Playwright (CDP), so the CSP allows it.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.warn(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI}`);
});
"""


@pytest.fixture
def page_problems(page: Page) -> PageProblems:
    """Collect console errors and CSP violations of `page` for the whole test."""
    problems = PageProblems()
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    page.on("console", problems.on_console)
    page.on("pageerror", lambda error: problems.errors.append(f"uncaught: {error}"))
    return problems


@pytest.fixture
def axe_page(new_context: Callable[..., BrowserContext]) -> Page:
    """A page that lets axe-core be injected (bypass_csp); each page's own CSP is checked by the
    tests that load it normally."""
    return new_context(bypass_csp=True).new_page()


def axe_serious(page: Page, context: str | None = None) -> list[tuple[str, str, list]]:
    """axe-core's serious and critical violations on the page (or inside `context`, a CSS
    selector): rule id, impact and the first three places it found."""
    results = Axe().run(page, context=context) if context else Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in AXE_SERIOUS
    ]
