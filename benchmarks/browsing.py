"""The served app in Debian's headless Chromium, for the browser tests and the map benchmark.

``serve`` runs gunicorn on a free port against an instance; ``chromium`` launches the browser offline
(no downloads, no background traffic); ``sign_in`` fills the sign-in form; ``click_region`` clicks a
point inside a drawn region.
Playwright comes with requirements-test.txt.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASE_PATHS = "#map .choroplethlayer > .trace:first-child .choroplethlocation"  # every unit
VALUE_PATHS = "#map .choroplethlayer > .trace:last-child .choroplethlocation"  # the metric's trace


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(instance_dir: str, database_url: str, workers: int = 2, mode: str = "demo") -> Iterator[str]:
    """The app under gunicorn on a free port (``mode`` demo accepts the demo accounts); yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DASHBOARD_INSTANCE": str(instance_dir), "DATABASE_URL": database_url,
           "DASHBOARD_MODE": mode, "LOGIN_RATE_LIMIT": "600 per minute"}  # (sign-in counts are shared by the workers)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "dashboard.server:server"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the app at {url} did not answer /healthz within 30 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base_url: str, name: str, password: str, then: str = "/") -> None:
    """Sign in through the form and land on ``then``."""
    page.goto(base_url + "/login?" + urllib.parse.urlencode({"next": then}))
    page.fill("#name", name)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#login-submit")


def wait_until(page, expression: str, timeout: int = 30_000) -> None:
    """What ``page.wait_for_function`` does, without evaluating a string inside the page, which the app's
    Content-Security-Policy forbids (no 'unsafe-eval'): the expression is polled through DevTools instead."""
    from playwright.sync_api import Error

    deadline, problem = time.monotonic() + timeout / 1000, None
    while time.monotonic() < deadline:
        try:
            if page.evaluate(expression):
                return
        except Error as error:  # e.g. a navigation replaced the page's context: ask again
            problem = error
        page.wait_for_timeout(20)
    raise TimeoutError(f"not true within {timeout / 1000:g} s: {expression[:200]}"
                       + (f" ({problem})" if problem else ""))


def wait_for_map(page, count: int, selector: str = BASE_PATHS, timeout: int = 20_000) -> None:
    wait_until(page, f"document.querySelectorAll('{selector}').length === {count}", timeout=timeout)


def click_region(page, code: str, graph: str = "#map") -> None:
    """Click a point that lies inside the drawn region (hit-tested in the page)."""
    point = page.evaluate("""([graph, code]) => {
        const path = [...document.querySelectorAll(graph + ' .choroplethlocation')].find(p => p.__data__.loc === code);
        const box = path.getBBox(), matrix = path.getScreenCTM();
        for (let step = 0; step < 2000; step++) {
            const local = new DOMPoint(box.x + box.width * ((step * 0.618034) % 1),
                                       box.y + box.height * ((step * 0.381966 + 0.5) % 1));
            if (path.isPointInFill(local)) { const p = local.matrixTransform(matrix); return [p.x, p.y]; }
        }
        return null;
    }""", [graph, code])
    if not point:
        raise AssertionError(f"region {code} has no clickable point")
    page.mouse.move(*point)
    page.mouse.click(*point)
