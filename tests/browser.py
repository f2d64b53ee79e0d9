"""Driving Debian's Chromium with Playwright (the browser tests of tests/web and tests/library):
the Debian package, installed with apt-get when missing, never a browser download."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
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
