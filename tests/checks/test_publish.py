"""The check library publishes results; the lab plugs its panel in (the kernel never imports the lab)."""

from __future__ import annotations

import subprocess
import sys

from course.checks import Check, publish
from course.core.protocol import CHECK_MIMETYPE
from course.core.render import as_html, as_text


def _result() -> dict:
    check = Check("demo_publish")
    check.equal("f()", lambda: 1, 2)
    return check.as_dict()


def test_the_bundle_holds_text_html_and_the_structured_result():
    result = _result()
    shown = publish.bundle(result)
    assert shown["text/plain"] == as_text(result) and shown["text/html"] == as_html(result)
    assert shown[CHECK_MIMETYPE] == result


def test_presenters_add_to_the_bundle_once_and_a_broken_one_is_ignored(monkeypatch):
    monkeypatch.setattr(publish, "_presenters", [])

    def extra(result):
        return {"application/x-demo": result["grade_id"]}

    def broken(result):
        raise RuntimeError("no widgets here")

    publish.add_presenter(extra)
    publish.add_presenter(extra)
    publish.add_presenter(broken)
    assert publish._presenters == [extra, broken]
    assert publish.bundle(_result())["application/x-demo"] == "demo_publish"


def test_the_lab_panel_is_not_offered_outside_a_live_kernel():
    from course.lab.display import present_check

    assert present_check(_result()) == {}  # no kernel here
    assert present_check(dict(_result(), hidden=True)) == {}


def test_importing_the_check_library_loads_no_lab_code():
    code = "import sys, course.checks; print(sorted(m for m in sys.modules if m.startswith('course.lab')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
