"""Driving Debian's Chromium with Playwright (the browser tests of tests/web, tests/library,
tests/hooks and tests/imports): the Debian package, installed with apt-get when missing, never
a browser download; `check_page`, what every page must pass (screenshot, no sideways scroll,
axe-core from npm with no serious or critical violation)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _install_chromium() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, capture_output=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, capture_output=True, env=env, timeout=1200)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium. Playwright's sync API keeps an event loop running on this thread
    while it is open: do everything that uses asyncio.run (database set-up) before."""
    if not CHROMIUM.exists():
        assert shutil.which("apt-get"), "Chromium is missing and apt-get is not available to install it"
        _install_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


AXE_DIR = ROOT / ".cache" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        npm = shutil.which("npm")
        assert npm, "axe-core is missing and npm is not available to install it"
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(AXE_DIR), "--no-save", "--no-audit", "--no-fund", "axe-core@4"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE


def check_page(page: Page, name: str, axe: Path) -> None:
    """Screenshot, no sideways scrolling, and axe-core's serious/critical violations: none."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = "phone" if page.viewport_size and page.viewport_size["width"] < 500 else "desktop"
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size} size"
    page.add_script_tag(path=str(axe))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name} ({size}): " + json.dumps(bad)
