"""Screenshots of a running portal for docs/screenshots/, taken with Debian's Chromium.

Start a seeded portal first (`make run`, or `manage.py seed_demo` + `runserver`), then:

    DEMO_PASSWORD=... BASE_URL=http://127.0.0.1:8000 .venv/bin/python scripts/screenshots.py

It logs in as `manager` with DEMO_PASSWORD and writes board.png, items.png, journal.png and
item.png of the PAY project.
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1600, "height": 900}
USERNAME = "manager"
PROJECT = "PAY"

# file name, path, whole page (True) or just the viewport
SHOTS = [
    ("board.png", f"/projects/{PROJECT}/board/", False),
    ("items.png", f"/projects/{PROJECT}/items/", False),
    ("journal.png", f"/projects/{PROJECT}/journal/", False),
    ("item.png", f"/projects/{PROJECT}/items/1/", True),
]


def log_in(page: Page, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        sys.exit(f"Could not log in as {USERNAME!r}: check DEMO_PASSWORD.")


def main() -> None:
    password = os.environ.get("DEMO_PASSWORD")
    if not password:
        sys.exit("Set DEMO_PASSWORD to the password seed_demo gave the demo accounts.")
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport=VIEWPORT, device_scale_factor=1)
        page = context.new_page()
        log_in(page, password)
        for name, path, full_page in SHOTS:
            response = page.goto(path)
            if response is None or response.status != 200:
                status = response.status if response else "no response"
                sys.exit(f"{path} answered {status}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / name, full_page=full_page)
            print(f"wrote {OUT / name}")
        browser.close()


if __name__ == "__main__":
    main()
