"""What every browser test module shares: `feedarchive serve` on 127.0.0.1 against the
module's own `archive` fixture (a path to an archive file), Debian's `/usr/bin/chromium` driven
through Playwright's sync API (never a downloaded browser), a fresh page per test that must
make no request off the server and raise no script error, and screenshots in
`tests/artifacts/`.

Run on their own (they must not share a pytest process with the asyncio tests):

    .venv/bin/python -m pytest -m browser tests/browser -q

Without the `playwright` package or Chromium the tests skip, except under CI (`CI=true`),
where they fail.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FEEDARCHIVE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
IN_CI = os.environ.get("CI") == "true"


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def shot(page, name: str) -> None:
    """A full-page screenshot, `tests/artifacts/<name>.png`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def require_browser_run(request) -> None:
    markexpr = request.config.getoption("markexpr") or ""
    if "browser" not in markexpr or "not browser" in markexpr:
        pytest.skip("browser tests run in their own invocation: pytest -m browser tests/browser")


def serve(archive: Path, log: Path):
    """`feedarchive serve` on a free port of 127.0.0.1; yields its base URL once it answers and
    stops it after. Its output goes to `log` (a pipe nobody reads could fill and stall it)."""
    from test_web import free_port

    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedarchive", "serve", "--db", str(archive),
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(log.read_text(errors="replace"))
                time.sleep(0.1)
        else:
            pytest.fail(f"feedarchive serve did not answer on {base}: "
                        + log.read_text(errors="replace"))
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(archive, request, tmp_path_factory):
    require_browser_run(request)
    yield from serve(archive, tmp_path_factory.mktemp("serve") / "serve.log")


@pytest.fixture(scope="module")
def browser(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.remote_requests = []
    page.errors = []
    page.on("request", lambda r: r.url.startswith(server) or page.remote_requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: (page.errors.append("dialog: " + d.message), d.dismiss()))
    try:
        yield page
        assert page.remote_requests == [], "pages must work offline"
        assert page.errors == []
    finally:
        context.close()
