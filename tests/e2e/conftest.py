"""Browser fixtures: Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The machine's network is closed: without these Chromium keeps dialling out.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
