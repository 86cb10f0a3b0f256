"""A pairing timer for the notebook: driver and navigator, a countdown, a clear swap prompt.

``PairingTimer("Ada", "Grace", minutes=10)`` as the last line of a cell shows
the timer. The countdown runs in the browser (a small script in the cell's
HTML output), not in the kernel, so it keeps ticking while a long cell runs
and even while the kernel restarts. Names, interval and mode can be changed in
the timer itself; the names are remembered by the browser for the next
notebook.

Modes:

* ``classic``: the driver types, the navigator thinks ahead; swap when the
  time is up;
* ``ping-pong`` (for the testing steps): one writes a failing test, the other
  makes it pass and writes the next failing test; swap as soon as the new
  test fails, or when the time is up.

Headless (nbgrader, ``course check``) the timer is one line of plain text.
"""

from __future__ import annotations

import html
import json
import uuid

MODES = ("classic", "ping-pong")

STYLE = """
<style>
.course-pairing-timer {font-family: var(--jp-ui-font-family, sans-serif); border: 1px solid #999;
  border-left: 6px solid #2a6fb0; padding: 0.5em 0.9em; max-width: 46em; border-radius: 4px;}
.course-pairing-timer.cpt-due {border-left-color: #c25400; background: #fff4e5;}
.course-pairing-timer label {margin-right: 0.8em; font-size: 90%;}
.course-pairing-timer input {width: 8em;} .course-pairing-timer input[type=number] {width: 4em;}
.course-pairing-timer .cpt-clock {font-size: 2.2em; font-variant-numeric: tabular-nums; margin: 0.1em 0;}
.course-pairing-timer .cpt-prompt {font-size: 1.3em; font-weight: bold; color: #c25400;}
.course-pairing-timer button {margin: 0.3em 0.4em 0 0;}
</style>
"""

TEMPLATE = """
<div class="course-pairing-timer" id="{id}">
  <div>
    <label>Driver <input class="cpt-driver" value="{driver}" placeholder="name"></label>
    <label>Navigator <input class="cpt-navigator" value="{navigator}" placeholder="name"></label>
    <label>Minutes <input class="cpt-minutes" type="number" min="0.1" step="any" value="{minutes}"></label>
    <label>Mode <select class="cpt-mode">
      <option value="classic"{classic}>driver / navigator</option>
      <option value="ping-pong"{ping_pong}>ping-pong (testing steps)</option>
    </select></label>
  </div>
  <div class="cpt-clock" title="time left in this turn">--:--</div>
  <div class="cpt-roles"></div>
  <div class="cpt-task"></div>
  <div class="cpt-prompt" style="display:none"></div>
  <button class="cpt-start">Start</button><button class="cpt-swap">Swap now</button>
  <button class="cpt-reset">Reset</button>
</div>
"""

SCRIPT = r"""
<script>
(function () {
  const here = document.currentScript && document.currentScript.parentNode;
  const root = (here && here.querySelector("#" + __TIMER_ID__)) || document.getElementById(__TIMER_ID__);
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "yes";
  const part = (name) => root.querySelector(".cpt-" + name);
  const remembered = JSON.parse(localStorage.getItem("course-pairing-timer") || "{}");
  if (!part("driver").value && remembered.driver) { part("driver").value = remembered.driver; }
  if (!part("navigator").value && remembered.navigator) { part("navigator").value = remembered.navigator; }
  const state = {running: false, endsAt: 0, left: 0, due: false, turn: 1};
  const turnLength = () => Math.max(0.1, parseFloat(part("minutes").value) || 10) * 60000;
  const name = (role, fallback) => part(role).value.trim() || fallback;
  state.left = turnLength();

  function clock(ms) {
    const seconds = Math.ceil(ms / 1000);
    return String(Math.floor(seconds / 60)).padStart(2, "0") + ":" + String(seconds % 60).padStart(2, "0");
  }
  function render() {
    const driver = name("driver", "Driver"), navigator = name("navigator", "Navigator");
    const pingPong = part("mode").value === "ping-pong";
    part("clock").textContent = clock(state.left);
    part("roles").textContent =
      driver + " drives (keyboard) \u00b7 " + navigator + " navigates (thinks ahead, reviews)";
    if (pingPong) {
      part("task").textContent = state.turn === 1
        ? driver + ": write the first failing test. Swap as soon as it fails."
        : driver + ": make the failing test pass, then write the next failing test. Swap as soon as it fails.";
    } else {
      part("task").textContent = "";
    }
    part("prompt").style.display = state.due ? "" : "none";
    part("prompt").textContent = "Time to swap! " + navigator + " takes the keyboard, " + driver + " navigates.";
    root.classList.toggle("cpt-due", state.due);
    part("start").textContent = state.due ? "Swap and start" : (state.running ? "Pause" : "Start");
  }
  function remember() {
    const names = {driver: part("driver").value, navigator: part("navigator").value};
    localStorage.setItem("course-pairing-timer", JSON.stringify(names));
  }
  function swapRoles() {
    const driver = part("driver").value;
    part("driver").value = part("navigator").value;
    part("navigator").value = driver;
    state.turn += 1;
    state.due = false;
    state.left = turnLength();
    if (state.running) { state.endsAt = Date.now() + state.left; }
    remember();
  }
  function tick() {
    if (state.running) {
      state.left = Math.max(0, state.endsAt - Date.now());
      if (state.left === 0) { state.running = false; state.due = true; }
    }
    render();
  }
  part("start").onclick = function () {
    if (state.due) { swapRoles(); state.running = false; }
    if (state.running) {
      state.running = false;
      state.left = Math.max(0, state.endsAt - Date.now());
    } else {
      state.running = true;
      state.endsAt = Date.now() + state.left;
    }
    render();
  };
  part("swap").onclick = function () { swapRoles(); render(); };
  part("reset").onclick = function () {
    state.running = false; state.due = false; state.left = turnLength(); render();
  };
  part("minutes").onchange = function () { if (!state.running) { state.left = turnLength(); } render(); };
  part("driver").oninput = part("navigator").oninput = function () { remember(); render(); };
  part("mode").onchange = render;
  let detachedTicks = 0;
  const timer = setInterval(function () {
    // Stop ticking an hour after the output was removed (the cell re-run or cleared).
    detachedTicks = root.isConnected ? 0 : detachedTicks + 1;
    if (detachedTicks > 4 * 3600) { clearInterval(timer); return; }
    tick();
  }, 250);
  render();
})();
</script>
"""


class PairingTimer:
    """A driver/navigator countdown shown in the notebook; see the module docstring."""

    def __init__(self, driver: str = "", navigator: str = "", minutes: float = 10, mode: str = "classic"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if minutes <= 0:
            raise ValueError(f"minutes must be more than 0, not {minutes!r}")
        self.driver, self.navigator, self.minutes, self.mode = driver, navigator, minutes, mode
        self.element_id = f"course-pairing-timer-{uuid.uuid4().hex[:12]}"

    def as_text(self) -> str:
        """The headless rendering."""
        driver, navigator = self.driver or "the driver", self.navigator or "the navigator"
        extra = " (ping-pong: swap as soon as the new test fails)" if self.mode == "ping-pong" else ""
        return (
            f"Pairing timer: {driver} drives, {navigator} navigates, swap every {self.minutes:g} minutes{extra}. "
            "Open the notebook in JupyterLab to see the countdown."
        )

    def as_html(self) -> str:
        """The timer's HTML and the script that runs its countdown in the browser."""
        body = TEMPLATE.format(
            id=self.element_id,
            driver=html.escape(self.driver, quote=True),
            navigator=html.escape(self.navigator, quote=True),
            minutes=f"{self.minutes:g}",
            classic=" selected" if self.mode == "classic" else "",
            ping_pong=" selected" if self.mode == "ping-pong" else "",
        )
        return STYLE + body + SCRIPT.replace("__TIMER_ID__", json.dumps(self.element_id))

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": self.as_text(), "text/html": self.as_html()}
