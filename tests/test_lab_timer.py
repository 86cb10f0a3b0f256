"""The pairing timer's Python side: what it renders, headless and in JupyterLab.

That it really counts down while a cell runs is proved in a browser
(``test_lab_browser.py``).
"""

from __future__ import annotations

import pytest

from course.lab.pairing_timer import PairingTimer


def test_timer_renders_names_minutes_and_mode():
    timer = PairingTimer("Ada", "Grace", minutes=7.5, mode="ping-pong")
    bundle = timer._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"].startswith("Pairing timer: Ada drives, Grace navigates, swap every 7.5 minutes (ping-pong")
    page = bundle["text/html"]
    assert 'value="Ada"' in page and 'value="Grace"' in page and 'value="7.5"' in page
    assert '<option value="ping-pong" selected>' in page
    assert f'id="{timer.element_id}"' in page and f'"{timer.element_id}"' in page.split("<script>")[1]


def test_the_countdown_runs_in_the_browser_from_the_clock():
    script = PairingTimer().as_html().split("<script>")[1]
    assert "setInterval" in script and "Date.now()" in script  # not a kernel-side loop
    assert "Time to swap!" in script and "takes the keyboard" in script
    assert "write the first failing test" in script  # the ping-pong prompts


def test_names_are_escaped():
    page = PairingTimer('"><script>alert(1)</script>', "Grace").as_html()
    assert "<script>alert(1)" not in page and "&quot;&gt;&lt;script&gt;" in page


def test_each_timer_has_its_own_element():
    assert PairingTimer().element_id != PairingTimer().element_id


def test_without_names_the_text_still_reads_well():
    assert PairingTimer().as_text().startswith("Pairing timer: the driver drives, the navigator navigates, swap every 10 minutes.")


@pytest.mark.parametrize("arguments", [{"mode": "relay"}, {"minutes": 0}, {"minutes": -5}])
def test_bad_settings_are_refused_with_a_clear_message(arguments):
    with pytest.raises(ValueError, match="mode|minutes"):
        PairingTimer(**arguments)
