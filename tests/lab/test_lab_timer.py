"""The pairing timer's Python side: what it renders, headless and in JupyterLab.

That it really counts down while a cell runs is proved in a browser
(``tests/lab/test_lab_browser.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from course.lab.pairing_timer import PairingTimer


def test_timer_renders_names_minutes_and_mode():
    timer = PairingTimer("Ada", "Grace", minutes=7.5, mode="ping-pong")
    bundle = timer._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"].startswith(
        "Pairing timer: Ada drives, Grace navigates, swap every 7.5 minutes (ping-pong"
    )
    page = bundle["text/html"]
    assert 'value="Ada"' in page and 'value="Grace"' in page and 'value="7.5"' in page
    assert '<option value="ping-pong" selected>' in page
    assert f'id="{timer.element_id}"' in page and f'"{timer.element_id}"' in page.split("<script>")[1]


# A stand-in for the page: just enough DOM for the timer's script, a clock the test
# moves, and setInterval that hands the test the callback instead of starting a timer.
NODE_HARNESS = r"""
const fs = require("fs");
const {script, rootId, steps} = JSON.parse(fs.readFileSync(0, "utf8"));
let now = 1000000, ticker = null, intervals = [];
Date.now = () => now;
global.setInterval = (callback, ms) => { ticker = callback; intervals.push(ms); return 1; };
global.clearInterval = () => { ticker = null; };
const store = {};
global.localStorage = {getItem: (k) => (k in store ? store[k] : null), setItem: (k, v) => { store[k] = String(v); }};
function element(value) {
  return {value: value, textContent: "", style: {display: ""}, onclick: null, onchange: null, oninput: null};
}
const inputs = steps.inputs;
const parts = {driver: element(inputs.driver), navigator: element(inputs.navigator), minutes: element(inputs.minutes),
               mode: element(inputs.mode), clock: element(""), roles: element(""), task: element(""),
               prompt: element(""), start: element(""), swap: element(""), reset: element("")};
const classes = new Set();
const root = {dataset: {}, isConnected: true, querySelector: (sel) => parts[sel.replace(".cpt-", "")],
              classList: {toggle: (name, on) => (on ? classes.add(name) : classes.delete(name))}};
global.document = {currentScript: null, getElementById: (id) => (id === rootId ? root : null)};
eval(script);
const seen = [];
const snapshot = (label) => seen.push({label, clock: parts.clock.textContent, start: parts.start.textContent,
  driver: parts.driver.value, navigator: parts.navigator.value, task: parts.task.textContent,
  prompt: parts.prompt.style.display === "none" ? "" : parts.prompt.textContent, due: classes.has("cpt-due")});
snapshot("shown");
for (const [action, arg] of steps.actions) {
  if (action === "wait") { now += arg * 1000; ticker(); }
  else { parts[action].onclick(); }
  snapshot(action + (arg === undefined ? "" : " " + arg));
}
console.log(JSON.stringify({seen, intervals}));
"""


def run_timer(timer: PairingTimer, actions: list) -> dict:
    """Run the timer's own script in node with a fake page and clock; each action's view of the timer."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; tests/lab/test_lab_browser.py still covers the countdown")
    script = timer.as_html().split("<script>")[1].split("</script>")[0]
    inputs = {"driver": timer.driver, "navigator": timer.navigator, "minutes": f"{timer.minutes:g}", "mode": timer.mode}
    job = {"script": script, "rootId": timer.element_id, "steps": {"inputs": inputs, "actions": actions}}
    result = subprocess.run(
        [node, "-e", NODE_HARNESS], input=json.dumps(job), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_countdown_follows_the_clock_pauses_and_prompts_the_swap():
    ran = run_timer(
        PairingTimer("Ada", "Grace", minutes=1),
        [
            ["wait", 30],
            ["start"],
            ["wait", 20],
            ["start"],
            ["wait", 100],
            ["start"],
            ["wait", 39],
            ["wait", 1],
        ],
    )
    seen = {step["label"]: step for step in ran["seen"]}
    steps = ran["seen"]
    assert ran["intervals"] == [250]  # ticks a few times a second, from the browser's clock
    assert steps[0]["clock"] == "01:00" and steps[0]["start"] == "Start"
    assert seen["wait 30"]["clock"] == "01:00"  # nothing runs before Start
    assert steps[3]["clock"] == "00:40" and steps[3]["start"] == "Pause"  # 20 s after Start
    assert steps[4]["start"] == "Start" and steps[5]["clock"] == "00:40"  # paused: 100 s pass, the clock stays
    assert steps[7]["clock"] == "00:01" and not steps[7]["due"]
    due = steps[8]
    assert due["clock"] == "00:00" and due["due"] and due["start"] == "Swap and start"
    assert due["prompt"] == "Time to swap! Grace takes the keyboard, Ada navigates."
    assert (due["driver"], due["navigator"]) == ("Ada", "Grace")  # the swap waits for the people


def test_swapping_exchanges_the_roles_and_starts_a_fresh_turn():
    steps = run_timer(
        PairingTimer("Ada", "Grace", minutes=0.5, mode="ping-pong"),
        [["start"], ["wait", 30], ["start"], ["wait", 10], ["swap"]],
    )["seen"]
    assert steps[0]["task"] == "Ada: write the first failing test. Swap as soon as it fails."
    after_due = steps[3]  # "Swap and start" pressed once the turn ran out
    assert (after_due["driver"], after_due["navigator"]) == ("Grace", "Ada")
    assert after_due["clock"] == "00:30" and not after_due["due"] and after_due["prompt"] == ""
    assert after_due["task"].startswith("Grace: make the failing test pass, then write the next failing test.")
    assert steps[4]["clock"] == "00:20" and steps[4]["start"] == "Pause"  # "Swap and start" started the new turn
    assert (steps[5]["driver"], steps[5]["navigator"]) == ("Ada", "Grace")  # Swap now swaps back


def test_names_are_escaped():
    page = PairingTimer('"><script>alert(1)</script>', "Grace").as_html()
    assert "<script>alert(1)" not in page and "&quot;&gt;&lt;script&gt;" in page


def test_each_timer_has_its_own_element():
    assert PairingTimer().element_id != PairingTimer().element_id


def test_without_names_the_text_still_reads_well():
    assert (
        PairingTimer()
        .as_text()
        .startswith("Pairing timer: the driver drives, the navigator navigates, swap every 10 minutes.")
    )


@pytest.mark.parametrize("arguments", [{"mode": "relay"}, {"minutes": 0}, {"minutes": -5}])
def test_bad_settings_are_refused_with_a_clear_message(arguments):
    with pytest.raises(ValueError, match="mode|minutes"):
        PairingTimer(**arguments)
