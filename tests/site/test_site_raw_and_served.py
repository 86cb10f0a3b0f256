"""The site reads sensibly as raw markdown (a code host), and `course site` builds and serves it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from course import REPO_DIR
from course.core.catalog import load_steps
from site_build.hooks import FALLBACK, MARKER, fill_markers

MARKER_LINE = re.compile(r"^[ \t]*<!-- registry:[a-z0-9-]+ -->.*$", re.M)


def test_every_marker_line_shows_a_note_to_a_raw_reader():
    bare = []
    for page in sorted((REPO_DIR / "site").rglob("*.md")):
        for line in MARKER_LINE.findall(page.read_text()):
            if FALLBACK not in line:
                bare.append(f"{page.relative_to(REPO_DIR)}: {line.strip()}")
    assert not bare, f"markers a raw reader sees as an empty spot: {bare}"


def test_the_build_replaces_the_marker_and_its_note():
    page = f"# Steps\n\n<!-- registry:steps-table --> {FALLBACK}\n\nAfter.\n"
    filled = fill_markers(page, "steps/index.md", load_steps())
    assert FALLBACK not in filled and "registry:" not in filled
    assert "00-meet-the-prototype" in filled or "Meet the prototype" in filled
    assert MARKER.search(f"<!-- registry:summary --> {FALLBACK}") and MARKER.search("<!-- registry:summary -->")


def test_course_site_build_writes_the_site_without_raw_notes():
    done = subprocess.run([sys.executable, "-m", "course.cli", "site", "--build"], cwd=REPO_DIR, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    pages = list((REPO_DIR / "build" / "site").rglob("*.html"))
    assert pages and not [p for p in pages if "Filled in from the course registry" in p.read_text()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_course_site_serves_the_site_on_localhost():
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "course.cli", "site", "--port", str(port)],
        cwd=REPO_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: mkdocs runs as a child of `course site`
    )
    try:
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert "Prototype to Production" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
