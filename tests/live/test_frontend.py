"""End to end through the real frontend: a real Home Assistant process and Debian's Chromium.

One ``hass -c DIR`` (devtools.live.LiveHass, with ``frontend:``, ``config:`` and ``history:``
added) and one headless Chromium, driven by Playwright's sync API, serve every test of the module.
The browser logs in on the real login page as demo / demo, then adds tracking nodes through
Settings > Devices & services > Helpers > Create helper > Carbon Tracker (a built-in factor, a
typed-in factor with the integration's own range error, a live intensity), changes a node's factor
in its options, adds a binding group of two seeded nodes (a total meter and its sub-meter, typed in
the notation, with the notation's own error first) and follows its error to its alarm, deletes a
node, adds the demo person's personal declaration and declares a day from the seeded quick form
(the script blueprint, as a tile on the dashboard), and walks the first steps of the flow in
Simplified Chinese. Meter readings go in through
the REST API; the carbon sensors and the group's sensors are checked there, to the exact value,
and on screen.

Playwright's sync API marks its event loop as running in the thread that uses it, which would
break the HA test plugin's event-loop fixtures, so the browser lives in a thread of its own and
each step is handed to it (``Browser.run``). The browser fetches nothing but 127.0.0.1, and not
HA's brand images of other integrations either (HA's brands view would fetch those from
brands.home-assistant.io); Chromium runs without background networking.

Each step's screenshot goes to ``tests/live/artifacts/frontend/`` (``NN_step.png``, and
``FAILED_<step>.png`` when a step fails), with ``blocked_requests.txt``. ``docs/screenshots/`` gets
those named in ``DOCS`` when a file there is missing, or all of them again with
``CARBON_TRACKER_SCREENSHOTS=update``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
import csv
from datetime import UTC, datetime, timedelta
import io
import json
import os
from pathlib import Path
import re
import shutil
import signal
from typing import Any

from playwright.sync_api import (
    BrowserContext,
    Locator,
    Page,
    Playwright,
    Route,
    TimeoutError as PlaywrightTimeoutError,
    expect,
    sync_playwright,
)
import pytest
import pytest_socket

from devtools.live import LiveHass
from devtools.seed import DEMO_PASSWORD, DEMO_USER
from tests.live.recorded import wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "live" / "artifacts" / "frontend"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
DOMAIN = "carbon_tracker"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing but 127.0.0.1 resolves, in case a request slips past the route below.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# What the browser may not fetch: anything but 127.0.0.1, and HA's brand images of other
# integrations (HA's brands view fetches those from brands.home-assistant.io; Carbon Tracker's own
# come from its brand/ folder).
BLOCKED_URLS = re.compile(
    r"^(?!(http|ws)://127\.0\.0\.1[:/]|data:|blob:)"
    r"|^http://127\.0\.0\.1:\d+/api/brands/(?!integration/carbon_tracker/)"
)
VIEWPORT = {"width": 1280, "height": 800}
UI_TIMEOUT_MS = 30_000  # one locator action or expectation; the frontend is slow on 2 cores
NAVIGATION_TIMEOUT_MS = 60_000
STEP_TIMEOUT_S = 180.0  # one whole step handed to the browser thread
STATE_TIMEOUT_S = 15.0  # a carbon state after a reading, an entry after a flow
TOLERANCE = 1e-9  # kg; the expected values are single products, computed the same way

KWH = {"unit_of_measurement": "kWh", "state_class": "total_increasing", "device_class": "energy"}
GAS = {"unit_of_measurement": "m³", "state_class": "total_increasing", "device_class": "gas"}
INTENSITY = {"unit_of_measurement": "gCO2eq/kWh", "state_class": "measurement"}

# Seeded before the start (devtools.seed): the options and the deletion work on these, so that
# those tests do not depend on the nodes the other tests add through the UI.
OFFICE = ("Office electricity", "sensor.office_meter", 1)
BOILER = ("Boiler gas", "sensor.boiler_meter", 2)
OLD = ("Old heater", "sensor.old_heater_meter", 3)
SEEDED = [
    (*OFFICE, {"factor_mode": "custom", "factor_value": 0.5, "factor_unit": "kWh"}),
    (*BOILER, {"factor_mode": "library", "factor_id": "uk_desnz_2025_natural_gas_m3"}),
    # With its Emission factor number (opt-in since config entries 1.3): the deletion removes it.
    (
        *OLD,
        {"factor_mode": "custom", "factor_value": 0.3, "factor_unit": "kWh", "factor_number": True},
    ),
]
SEEDED_READINGS = {
    "sensor.office_meter": (100.0, KWH, "Office meter"),
    "sensor.boiler_meter": (200.0, GAS, "Boiler meter"),
    "sensor.old_heater_meter": (50.0, KWH, "Old heater meter"),
}
BOILER_FACTOR = 2.06672  # uk_desnz_2025_natural_gas_m3, kg CO2e/m³

# The integration's own texts, from its translations.
TRANSLATIONS = ROOT / "custom_components" / DOMAIN / "translations"
EN_ALL = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
EN = EN_ALL["config"]
ZH = json.loads((TRANSLATIONS / "zh-Hans.json").read_text(encoding="utf-8"))["config"]
KIND_MENU = EN["step"]["user"]["menu_options"]["tracking_node"]
FACTOR_MENU = EN["step"]["factor"]["menu_options"]
FACTOR_LIBRARY = FACTOR_MENU["factor_library"]
FACTOR_CUSTOM = FACTOR_MENU["factor_custom"]
FACTOR_ENTITY = FACTOR_MENU["factor_entity"]
FACTOR_RANGE_ERROR = EN["error"]["factor_out_of_range"]
# Not marked required (*): the field starts empty, and an empty one gets the integration's error.
FACTOR_VALUE = EN["step"]["factor_custom"]["data"]["factor_value"]
FACTOR_REQUIRED_ERROR = EN["error"]["factor_required"]
# A node's meter role and its market-based factor (the options' first step).
ROLE_OPTIONS = EN_ALL["selector"]["meter_role"]["options"]
OPTIONS_INIT = EN_ALL["options"]["step"]["init"]
OPTIONS_ERRORS = EN_ALL["options"]["error"]
# A carbon-aware window: its menu entry, its form and its entities' names.
WINDOW_MENU = EN["step"]["user"]["menu_options"]["carbon_window"]
WINDOW_FORM = EN["step"]["carbon_window"]
WINDOW_ENTITY_NAMES = [
    EN_ALL["entity"]["sensor"]["window_start"]["name"],
    EN_ALL["entity"]["binary_sensor"]["in_window"]["name"],
]
# A binding group: its menu entry, its steps and its entities' names.
GROUP_MENU = EN["step"]["user"]["menu_options"]["binding_group"]
GROUP_FORM = EN["step"]["binding_group"]
GROUP_KINDS = EN_ALL["selector"]["group_kind"]["options"]
TOTAL_MEMBERS_FORM = EN["step"]["group_members_total_vs_sub"]
THRESHOLD_FORM = EN["step"]["group_threshold"]
WINDOWS = EN_ALL["selector"]["window"]["options"]
GROUP_ENTITY_NAMES = [
    EN_ALL["entity"]["sensor"][key]["name"]
    for key in ("error", "total", "subs", "relative_error", "total_cumulative", "subs_cumulative")
] + [EN_ALL["entity"]["binary_sensor"]["problem"]["name"]]
# The demo user's language as the profile page stores it (frontend/set_user_data, key language).
USER_LANGUAGE = {
    "number_format": "language",
    "time_format": "language",
    "date_format": "language",
    "time_zone": "local",
    "first_weekday": "language",
}

expect.set_options(timeout=UI_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def verify_cleanup() -> None:
    """Override the HA test plugin's check of the in-process instance's loop and threads.

    There is no in-process instance here; the threads of Playwright's own event loop (its
    executor) would count as left behind. The fixtures below check instead that hass and
    Chromium are gone after the module.
    """


@pytest.fixture(autouse=True)
def local_sockets_here(local_sockets_in_each_test: None) -> None:
    """The browser and the harness talk to 127.0.0.1 in every test of this module."""


# --- the browser ----------------------------------------------------------------------------


class Browser:
    """Headless Chromium with one page, driven by Playwright's sync API in a thread of its own."""

    def __init__(self, base_url: str, profile: Path) -> None:
        """Start Playwright and Chromium (a fresh user data dir) in the browser thread."""
        self.base_url = base_url
        self.profile = profile
        self.blocked: list[str] = []
        self.screenshots: dict[str, Path] = {}
        self.logged_in = False
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="playwright")
        self._playwright: Playwright | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        try:
            self._pool.submit(self._start).result(timeout=120)
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self._playwright = sync_playwright().start()
        self._context = self._playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
            locale="en-US",
            timezone_id="UTC",
            service_workers="block",
        )
        # Matched in the driver, so only the requests to abort come to Python.
        self._context.route(BLOCKED_URLS, self._block)
        self._context.set_default_timeout(UI_TIMEOUT_MS)
        self._context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        self._page = self._context.pages[0] if self._context.pages else self._context.new_page()

    def _block(self, route: Route) -> None:
        self.blocked.append(route.request.url.split("?")[0])  # without the brand token
        route.abort("blockedbyclient")

    def run[T](self, step: Callable[[Page], T]) -> T:
        """Run one step with the page, in the browser thread; its exception is raised here."""
        return self._pool.submit(self._step, step).result(timeout=STEP_TIMEOUT_S)

    def _step[T](self, step: Callable[[Page], T]) -> T:
        assert self._page is not None
        try:
            return step(self._page)
        except Exception:
            # What the page showed when the step failed, for the post-mortem.
            with suppress(Exception):
                name = getattr(step, "__qualname__", "step").replace("<locals>.", "")
                self._page.screenshot(path=str(ARTIFACTS / f"FAILED_{name}.png"))
            raise

    def close(self) -> list[int]:
        """Close Chromium and Playwright; kill what is left of this browser's processes.

        Returns the processes that had to be killed (none after a clean close).
        """
        with suppress(Exception):  # whatever is left is killed below
            self._pool.submit(self._stop).result(timeout=60)
        self._pool.shutdown(wait=False, cancel_futures=True)
        return self._kill_leftovers()

    def _stop(self) -> None:
        if self._context is not None:
            self._context.close()
        if self._playwright is not None:
            self._playwright.stop()

    def _kill_leftovers(self) -> list[int]:
        """SIGKILL every process still running on this browser's own (unique) profile folder."""
        marker = f"--user-data-dir={self.profile}".encode()
        killed = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if marker in (proc / "cmdline").read_bytes():
                    os.kill(int(proc.name), signal.SIGKILL)
                    killed.append(int(proc.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
        return killed

    # --- helpers used inside steps (browser thread) ---

    def goto(self, page: Page, path: str) -> None:
        """Open a frontend path (a full load: the tokens are kept in local storage)."""
        page.goto(self.base_url + path)

    def shot(
        self, page: Page, name: str, *, dialog: bool = False, part: Locator | None = None
    ) -> Path:
        """Save a screenshot artefact, cropped to the open dialog or to ``part`` if given."""
        path = ARTIFACTS / f"{len(self.screenshots) + 1:02d}_{name}.png"
        page.wait_for_timeout(400)  # let animations and ripples settle
        if dialog:
            part = page.get_by_role("dialog").first
        clip = None
        if part is not None and (box := part.bounding_box()) is not None:
            margin = 12
            clip = {
                "x": max(box["x"] - margin, 0),
                "y": max(box["y"] - margin, 0),
                "width": box["width"] + 2 * margin,
                "height": box["height"] + 2 * margin,
            }
        page.screenshot(path=str(path), clip=clip)
        self.screenshots[name] = path
        return path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHass]:
    """Home Assistant with the frontend, three seeded nodes and their meters."""
    pytest_socket.enable_socket()  # set up inside the first test's setup, before its own fixtures
    with LiveHass.create(SEEDED, directory=tmp_path_factory.mktemp("frontend-hass")) as hass:
        with (hass.config_dir / "configuration.yaml").open("a") as config:
            # The person and the quick declaration script are seeded (devtools.seed).
            config.write("\nfrontend:\nconfig:\nhistory:\nperson:\nscript: !include scripts.yaml\n")
        hass.start()
        try:
            for entity_id, (value, attributes, name) in SEEDED_READINGS.items():
                hass.set_state(entity_id, value, {**attributes, "friendly_name": name})
            # The seeded meters only exist now: each node found its meter missing at the start
            # and raised "The meter of ... is gone", which only a reload checks again.
            for entry in hass.ws_command({"type": "config_entries/get", "domain": DOMAIN}):
                hass.request("POST", f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
            hass.ws_command({"type": "config/core/update", "country": "GB"})
            yield hass
        finally:
            hass.close()
        assert not hass.running


@pytest.fixture(scope="module")
def browser(live: LiveHass, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Chromium on a fresh profile; closed (and killed if need be) after the module."""
    # Not emptied: another run in the same checkout may be writing to it. Every run writes the
    # same names; only an earlier run's failure screenshots would mislead.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("FAILED_*.png"):
        stale.unlink(missing_ok=True)
    chromium = Browser(live.base_url, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        leftovers = chromium.close()
        (ARTIFACTS / "blocked_requests.txt").write_text("".join(f"{u}\n" for u in chromium.blocked))
        _publish(chromium.screenshots)
    assert not leftovers, f"Chromium processes outlived the browser's close: {leftovers} (killed)"


@pytest.fixture
def ui(browser: Browser) -> Browser:
    """The browser, logged in (the login itself is test_login's; this only catches up)."""
    if not browser.logged_in:
        browser.run(lambda page: _log_in(browser, page))
    return browser


# Screenshot artefacts that become README pictures: artefact name -> docs/screenshots/ name.
DOCS = {
    "kind_menu": "create-helper-carbon-tracker.png",
    "factor_out_of_range": "typed-factor-error.png",
    "options_node_number": "options-node-number-and-limit.png",
    "zh_hans_tracking_node_form": "zh-hans-tracking-node-form.png",
    "device_page": "tracking-node-device-page.png",
    "carbon_dashboard": "carbon-dashboard.png",
    "binding_group_device": "binding-group-device-page.png",
    "quick_declaration_form": "quick-declaration-form.png",
    "dashboard_history": "carbon-per-day-graph.png",
    "report_downloaded": "report-downloaded.png",
    "carbon_window_form": "carbon-aware-window-form.png",
    "carbon_window_device": "carbon-aware-window-device-page.png",
    "node_export_role": "node-export-or-generation.png",
    "options_market_factor": "options-market-based-factor.png",
    "carbon_window_plan_form": "carbon-window-forecast-port-form.png",
    "shift_audit_group_device": "audit-of-a-shift-group-device-page.png",
}


def _publish(screenshots: dict[str, Path]) -> None:
    """Copy the README's screenshots to docs/screenshots/: missing ones, or all on request."""
    update = os.environ.get("CARBON_TRACKER_SCREENSHOTS") == "update"
    for name, target in DOCS.items():
        source = screenshots.get(name)
        destination = DOCS_SCREENSHOTS / target
        if source is not None and (update or not destination.exists()):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


# --- REST and websocket checks ----------------------------------------------------------------


def _wait_for[T](what: str, probe: Callable[[], T | None], timeout: float = STATE_TIMEOUT_S) -> T:
    return wait_for(what, probe, timeout)


def _entries(live: LiveHass) -> dict[str, dict[str, Any]]:
    """Carbon Tracker's config entries by title."""
    return {
        e["title"]: e for e in live.ws_command({"type": "config_entries/get", "domain": DOMAIN})
    }


def _wait_for_entry(live: LiveHass, title: str) -> dict[str, Any]:
    return _wait_for(f"the config entry {title!r}", lambda: _entries(live).get(title))


def _carbon(live: LiveHass, entity_id: str) -> float | None:
    state = live.get_state(entity_id)
    if state is None or state["state"] in ("unknown", "unavailable"):
        return None
    return float(state["state"])


def _node(live: LiveHass, carbon: str) -> dict[str, Any] | None:
    """What the list_nodes action answers for the node whose carbon sensor this is."""
    answer = live.request("POST", f"/api/services/{DOMAIN}/list_nodes?return_response", {})
    nodes = answer["service_response"]["nodes"]
    return next((node for node in nodes if node["emissions_entity_id"] == carbon), None)


def _feed_and_expect(
    live: LiveHass, meter: tuple[str, dict[str, Any]], value: float, carbon: str, expected: float
) -> None:
    """Write a meter reading through the REST API; the carbon sensor must show ``expected`` kg."""
    entity_id, attributes = meter
    live.set_state(entity_id, value, attributes)

    def settled() -> float | None:
        now = _carbon(live, carbon)
        return now if now is not None and abs(now - expected) <= TOLERANCE else None

    try:
        _wait_for(f"{carbon} = {expected}", settled)
    except AssertionError:
        raise AssertionError(
            f"{carbon} is {live.get_state(carbon)}, expected {expected} kg after "
            f"{entity_id} = {value}"
        ) from None


def _state(live: LiveHass, entity_id: str) -> str | None:
    state = live.get_state(entity_id)
    return None if state is None else str(state["state"])


def _at(live: LiveHass, entity_id: str, expected: float) -> float | None:
    """The entity's number if it is ``expected`` kg (to the tolerance), else None."""
    now = _carbon(live, entity_id)
    return now if now is not None and abs(now - expected) <= TOLERANCE else None


def _device_id(live: LiveHass, name: str) -> str | None:
    for device in live.ws_command({"type": "config/device_registry/list"}):
        if device["name"] == name:
            return str(device["id"])
    return None


# --- UI steps (run in the browser thread) ------------------------------------------------------


def _log_in(browser: Browser, page: Page, *, wrong_password_first: bool = False) -> None:
    browser.goto(page, "/")
    username = page.get_by_role("textbox", name="Username")
    password = page.get_by_role("textbox", name="Password")
    expect(username).to_be_visible()
    if wrong_password_first:
        browser.shot(page, "login_page")
        username.fill(DEMO_USER)
        password.fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("Invalid username or password")).to_be_visible()
        browser.shot(page, "login_refused")
    username.fill(DEMO_USER)
    password.fill(DEMO_PASSWORD)
    expect(page.get_by_role("checkbox", name="Keep me logged in")).to_be_checked()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home(/|$)"))
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    browser.logged_in = True


def _open_create_helper(browser: Browser, page: Page, create_helper: str = "Create helper") -> None:
    """Settings > Devices & services > Helpers > Create helper > Carbon Tracker."""
    browser.goto(page, "/config/helpers")
    page.get_by_role("button", name=create_helper).click()
    page.get_by_role("option", name="Carbon Tracker").click()


def _pick_entity(
    page: Page,
    field: str,
    search: str,
    shown_as: str,
    *,
    picker: str = "Select an entity",
    search_box: str = "Search",
) -> None:
    """Open an entity picker of the form (``field`` is its label), search it, click the entity.

    Checked: one empty picker fewer afterwards. Under load the frontend now and then drops the
    first pick (the picker closes empty), so a pick that did not take is made again; and now and
    then it shows a pick late, even after the check gave up on it, so a pick made again that
    finds no empty picker to open checks once more whether the last one took.
    """
    empty_before = page.get_by_text(picker).count()
    for attempt in range(3):
        try:
            # The first pick waits as long as any step; a pick made again waits less, since the
            # one before may have taken meanwhile.
            page.get_by_text(picker).first.click(timeout=5_000 if attempt else None)
        except PlaywrightTimeoutError:
            if page.get_by_text(picker).count() < empty_before:
                return  # the pick before took, later than the check looked
            raise
        page.get_by_role("dialog", name=field).get_by_placeholder(search_box).fill(search)
        page.locator("ha-combo-box-item").filter(has_text=shown_as).first.click()
        try:
            expect(page.get_by_text(picker)).to_have_count(empty_before - 1, timeout=10_000)
            return
        except AssertionError:
            if page.get_by_text(picker).count() < empty_before:
                return  # the pick took, only later than the check looked
            if attempt == 2:
                raise
            if page.get_by_role("dialog", name=field).count():
                page.keyboard.press("Escape")  # the picker's own dialog, still open


def _finish_creation(page: Page, name: str) -> None:
    """The entry is created: HA's "Name and assign" step for the node's device."""
    expect(page.get_by_role("textbox", name="Device name")).to_have_value(name)
    page.get_by_role("button", name="Skip and finish").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def _entry_row(page: Page, title: str) -> Locator:
    """The node's card on the integration page (Settings > Devices & services > Carbon Tracker)."""
    return page.locator("ha-config-entry-row").filter(has=page.get_by_text(title, exact=True))


# --- tests -----------------------------------------------------------------------------------


def test_login(browser: Browser, live: LiveHass) -> None:
    """The real login page refuses a wrong password and lets demo / demo in."""
    browser.run(lambda page: _log_in(browser, page, wrong_password_first=True))
    assert browser.logged_in
    titles = [n["title"] for n in live.ws_command({"type": "persistent_notification/get"})]
    assert "Login attempt failed" in titles
    # Dismissed, so that the badge does not show on every later screenshot.
    live.request("POST", "/api/services/persistent_notification/dismiss_all", {})


def test_add_node_with_built_in_factor(ui: Browser, live: LiveHass) -> None:
    """Kinds menu, name and meter, factor menu, a factor from the table; then it counts."""
    meter = ("sensor.lab_meter", {**KWH, "friendly_name": "Lab meter"})
    live.set_state(meter[0], 1000.0, meter[1])
    carbon = "sensor.lab_electricity_carbon_emissions"

    def add(page: Page) -> None:
        _open_create_helper(ui, page)
        expect(page.get_by_text("What do you want to add?")).to_be_visible()
        expect(page.get_by_text(KIND_MENU)).to_be_visible()
        ui.shot(page, "kind_menu", dialog=True)
        page.get_by_text(KIND_MENU).click()
        expect(page.get_by_text("Pick a cumulative meter.", exact=False)).to_be_visible()
        expect(page.get_by_role("spinbutton", name="Port*")).to_have_value("4")
        page.get_by_role("textbox", name="Name*").fill("Lab electricity")
        _pick_entity(page, "Meter", "lab_meter", "Lab meter")
        ui.shot(page, "tracking_node_form", dialog=True)
        page.get_by_role("button", name="Submit").click()
        for option in (FACTOR_LIBRARY, FACTOR_CUSTOM, FACTOR_ENTITY):
            expect(page.get_by_text(option, exact=True)).to_be_visible()
        ui.shot(page, "factor_menu", dialog=True)
        page.get_by_text(FACTOR_LIBRARY, exact=True).click()
        expect(page.get_by_text("Factors from official sources.", exact=False)).to_be_visible()
        page.get_by_label("Factor", exact=True).click()
        # An electricity meter is offered the grids first, then the other energies.
        offered = page.get_by_role("menuitem").all_inner_texts()
        grids = [index for index, text in enumerate(offered) if "grid" in text.lower()]
        others = [index for index, text in enumerate(offered) if "grid" not in text.lower()]
        assert grids[0] == 0
        assert max(grids) < min(others)
        page.get_by_role("menuitem", name="UK grid electricity 2025: 0.177 kg CO2e/kWh").click()
        expect(
            page.get_by_text("UK grid electricity 2025: 0.177 kg CO2e/kWh").first
        ).to_be_visible()
        ui.shot(page, "built_in_factor", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, "Lab electricity")

    ui.run(add)
    entry = _wait_for_entry(live, "Lab electricity")
    assert entry["state"] == "loaded"
    _wait_for(carbon, lambda: live.get_state(carbon))
    node = _wait_for("the node in list_nodes", lambda: _node(live, carbon))
    assert node["factor"] == 0.177
    assert node["port"] == 4
    _feed_and_expect(live, meter, 1010.0, carbon, 10.0 * 0.177)
    _feed_and_expect(live, meter, 1020.0, carbon, 20.0 * 0.177)

    device_id = _wait_for("the node's device", lambda: _device_id(live, "Lab electricity"))

    def device_page(page: Page) -> None:
        ui.goto(page, f"/config/devices/device/{device_id}")
        expect(page.get_by_role("heading", name="Device info")).to_be_visible()
        expect(page.get_by_text("Serial number: port 4")).to_be_visible()
        expect(page.get_by_text("3.540 kg")).to_be_visible()  # 20 kWh x 0.177, 3 decimals
        ui.shot(page, "device_page")

    ui.run(device_page)


def test_add_node_with_typed_factor(ui: Browser, live: LiveHass) -> None:
    """A typed factor out of range gets the integration's own error; a good one is created."""
    meter = ("sensor.workshop_gas_meter", {**GAS, "friendly_name": "Workshop gas meter"})
    live.set_state(meter[0], 500.0, meter[1])
    carbon = "sensor.workshop_gas_carbon_emissions"

    def add(page: Page) -> None:
        name = "Workshop gas"
        _open_create_helper(ui, page)
        page.get_by_text(KIND_MENU).click()
        page.get_by_role("textbox", name="Name*").fill(name)
        _pick_entity(page, "Meter", "workshop_gas_meter", "Workshop gas meter")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(FACTOR_CUSTOM, exact=True).click()
        expect(page.get_by_text("Your own factor")).to_be_visible()
        factor = page.get_by_role("spinbutton", name=FACTOR_VALUE, exact=True)
        # The unit is offered in the meter's own unit, m³, and the value starts empty: no 0.
        expect(page.get_by_text("kg CO2e/m³").filter(visible=True)).to_have_count(1)
        expect(factor).to_have_value("")
        ui.shot(page, "typed_factor_form", dialog=True)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text(FACTOR_REQUIRED_ERROR)).to_be_visible()
        for bad in ("-1", "2000000"):
            factor.fill(bad)
            page.get_by_role("button", name="Submit").click()
            expect(page.get_by_text(FACTOR_RANGE_ERROR)).to_be_visible()
            expect(factor).to_have_value(bad)  # what was typed stays
            ui.shot(page, "factor_out_of_range" if bad == "-1" else "factor_too_large", dialog=True)
        factor.fill("2.1")
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, name)

    ui.run(add)
    _wait_for_entry(live, "Workshop gas")
    _wait_for(carbon, lambda: live.get_state(carbon))
    node = _wait_for("the node in list_nodes", lambda: _node(live, carbon))
    assert node["factor_mode"] == "custom"
    assert node["factor"] == 2.1
    assert node["factor_unit"] == "kg CO2e/m³"
    _feed_and_expect(live, meter, 512.0, carbon, 12.0 * 2.1)


def test_add_node_with_live_intensity(ui: Browser, live: LiveHass) -> None:
    """A node that follows a live carbon intensity prices each reading at the one in force."""
    intensity = ("sensor.grid_intensity", {**INTENSITY, "friendly_name": "Grid intensity"})
    live.set_state(intensity[0], 400.0, intensity[1])
    meter = ("sensor.heat_pump_meter", {**KWH, "friendly_name": "Heat pump meter"})
    live.set_state(meter[0], 20.0, meter[1])
    carbon = "sensor.heat_pump_carbon_emissions"

    def add(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(KIND_MENU).click()
        page.get_by_role("textbox", name="Name*").fill("Heat pump")
        _pick_entity(page, "Meter", "heat_pump_meter", "Heat pump meter")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(FACTOR_ENTITY, exact=True).click()
        expect(page.get_by_text("Live carbon intensity")).to_be_visible()
        expect(
            page.get_by_text("A sensor with a unit such as gCO2eq/kWh.", exact=False)
        ).to_be_visible()
        _pick_entity(page, "Intensity entity", "grid_intensity", "Grid intensity")
        ui.shot(page, "live_intensity", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, "Heat pump")

    ui.run(add)
    _wait_for_entry(live, "Heat pump")
    _wait_for(carbon, lambda: live.get_state(carbon))
    node = _wait_for("the node in list_nodes", lambda: _node(live, carbon))
    assert node["factor_mode"] == "entity"
    assert node["factor"] == pytest.approx(0.4)
    _feed_and_expect(live, meter, 22.5, carbon, 2.5 * 0.4)  # 400 g/kWh
    live.set_state(intensity[0], 500.0, intensity[1])
    _feed_and_expect(live, meter, 24.5, carbon, 2.5 * 0.4 + 2.0 * 0.5)


def test_options_change_the_factor(ui: Browser, live: LiveHass) -> None:
    """Configure: port and limit, then a typed factor; the next reading is priced at it."""
    title, source, _port = OFFICE
    meter = (source, {**KWH, "friendly_name": "Office meter"})
    carbon = "sensor.office_electricity_carbon_emissions"
    _feed_and_expect(live, meter, 110.0, carbon, 10.0 * 0.5)

    def configure(page: Page) -> None:
        ui.goto(page, f"/config/integrations/integration/{DOMAIN}")
        _entry_row(page, title).get_by_role("button", name="Configure").click()
        expect(page.get_by_text("Tracking node options")).to_be_visible()
        expect(
            page.get_by_text("The plausibility limit is in kWh per hour", exact=False)
        ).to_be_visible()
        port = page.get_by_role("spinbutton", name="Port*")
        expect(port).to_have_value("1")
        port.fill("11")
        page.get_by_role("spinbutton", name="Plausibility limit (kWh per hour)").fill("6000")
        ui.shot(page, "options_node_number", dialog=True)
        page.get_by_role("button", name="Submit").click()
        for option in (FACTOR_LIBRARY, FACTOR_CUSTOM, FACTOR_ENTITY):
            expect(page.get_by_text(option, exact=True)).to_be_visible()
        ui.shot(page, "options_factor_menu", dialog=True)
        page.get_by_text(FACTOR_CUSTOM, exact=True).click()
        factor = page.get_by_role("spinbutton", name=FACTOR_VALUE, exact=True)
        expect(factor).to_have_value("0.5")  # prefilled with the node's factor
        factor.fill("0.8")
        ui.shot(page, "options_typed_factor", dialog=True)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Options successfully saved.")).to_be_visible()
        ui.shot(page, "options_saved", dialog=True)
        page.get_by_role("button", name="Finish").click()
        expect(page.get_by_role("dialog")).to_have_count(0)

    ui.run(configure)

    def changed() -> dict[str, Any] | None:
        node = _node(live, carbon)
        return node if node is not None and node["port"] == 11 and node["loaded"] else None

    node = _wait_for("the new options in list_nodes", changed)
    assert node["factor"] == 0.8
    assert node["factor_mode"] == "custom"
    state = live.get_state(carbon)
    assert float(state["state"]) == pytest.approx(5.0, abs=TOLERANCE)  # nothing re-priced
    _feed_and_expect(live, meter, 120.0, carbon, 10.0 * 0.5 + 10.0 * 0.8)


def test_carbon_dashboard(ui: Browser, live: LiveHass) -> None:
    """The seeded "Carbon" dashboard shows a node's total."""
    _title, source, _port = BOILER
    meter = (source, {**GAS, "friendly_name": "Boiler meter"})
    _feed_and_expect(live, meter, 210.0, "sensor.boiler_gas_carbon_emissions", 10.0 * BOILER_FACTOR)

    def dashboard(page: Page) -> None:
        ui.goto(page, "/carbon-dashboard/carbon")
        expect(page.get_by_text("Carbon so far")).to_be_visible()
        # Rows are named by node alone ("Boiler gas Carbon emissions" would be cut off).
        card = page.locator("hui-entities-card")
        expect(card.get_by_text("Boiler gas", exact=True)).to_be_visible()
        expect(card.get_by_text("20.667 kg")).to_be_visible()  # 10 m³ x 2.06672
        ui.shot(page, "carbon_dashboard", part=page.locator("hui-entities-card"))

    ui.run(dashboard)


def _import_carbon_history(
    live: LiveHass, statistic_id: str, first: datetime, hours: int
) -> list[tuple[datetime, float]]:
    """Hourly carbon for ``hours`` hours from ``first`` (UTC), as an administrator imports it
    (HA's own websocket command); (hour start, kg) of each."""
    rows = [(first + timedelta(hours=index), 0.25 + (index % 24) / 100) for index in range(hours)]
    total = 0.0
    stats = []
    for start, kg in rows:
        total += kg
        stats.append({"start": start.isoformat(), "state": total, "sum": total})
    live.ws_command(
        {
            "type": "recorder/import_statistics",
            "metadata": {
                "has_sum": True,
                "mean_type": 0,
                "name": None,
                "source": "recorder",
                "statistic_id": statistic_id,
                "unit_class": "mass",
                "unit_of_measurement": "kg",
            },
            "stats": stats,
        }
    )
    return rows


def test_history_graph_report_and_download(ui: Browser, live: LiveHass) -> None:
    """History on the dashboard's graphs; yesterday's report written, downloaded in the browser
    from the link the answer gives, and its total equal to the statistics to the gram."""
    carbon = "sensor.boiler_gas_carbon_emissions"
    entry_id = _wait_for_entry(live, "Boiler gas")["entry_id"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # HA runs in UTC
    yesterday = today - timedelta(days=1)
    rows = _import_carbon_history(live, carbon, yesterday - timedelta(days=2), 72)
    expected = sum(kg for start, kg in rows if yesterday <= start < today)
    _wait_for(
        "the imported hours",
        lambda: len(live.statistics(carbon, short_term=False)) >= 72 or None,
        timeout=60,
    )

    def graphs(page: Page) -> None:
        ui.goto(page, "/carbon-dashboard/carbon")
        per_day = page.locator("hui-statistics-graph-card").first
        expect(per_day).to_contain_text("Carbon per day")
        expect(per_day.locator("canvas").first).to_be_visible()
        expect(per_day).not_to_contain_text("No statistics found")
        ui.shot(page, "dashboard_history", part=per_day)

    ui.run(graphs)

    answer = live.request(
        "POST",
        f"/api/services/{DOMAIN}/generate_report?return_response",
        {
            "period": "day",
            "last": 1,
            "nodes": [entry_id],
            "formats": ["csv", "markdown"],
            "title": "Boiler yesterday",
        },
        timeout=60,
    )["service_response"]
    assert answer["start"] == yesterday.isoformat()
    assert answer["total_kg"] == round(expected, 3)
    csv_link, markdown_link = answer["downloads"]
    downloads = ARTIFACTS / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)

    def download(page: Page) -> None:
        ui.goto(page, "/carbon-dashboard/carbon")
        for link in (csv_link, markdown_link):
            with page.expect_download() as info:
                page.evaluate(
                    "url => { const a = document.createElement('a'); a.href = url; a.click(); }",
                    link,
                )
            info.value.save_as(downloads / info.value.suggested_filename)
        # The Markdown as a reader sees it (a picture for the README).
        text = (downloads / Path(answer["files"][1]).name).read_text(encoding="utf-8")
        page.set_content(
            "<pre style='font: 14px monospace; padding: 16px; white-space: pre-wrap'>"
            + text.replace("&", "&amp;").replace("<", "&lt;")
            + "</pre>"
        )
        ui.shot(page, "report_downloaded", part=page.locator("pre"))

    ui.run(download)
    csv_text = (downloads / Path(answer["files"][0]).name).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(csv_text)))
    (total,) = [row for row in table if row["section"] == "total"]
    # The file's total is the statistics' change over the day, to the gram.
    statistics = {row.start_ts: row.sum for row in live.statistics(carbon, short_term=False)}
    change = (
        statistics[(today - timedelta(hours=1)).timestamp()]
        - statistics[(yesterday - timedelta(hours=1)).timestamp()]
    )
    assert float(total["kg"]) == round(change, 3) == round(expected, 3)
    (node,) = [row for row in table if row["section"] == "node"]
    assert (node["node"], node["period_start"]) == ("Boiler gas", yesterday.isoformat())


def test_add_binding_group(ui: Browser, live: LiveHass) -> None:
    """A total-vs-sub group of two seeded nodes, typed in the notation; its error and alarm."""
    # Boiler gas is the total meter, Office electricity its sub-meter: no test deletes either.
    # Their ports and factors are read, not assumed (the options test renumbers Office).
    total_carbon = "sensor.boiler_gas_carbon_emissions"
    sub_carbon = "sensor.office_electricity_carbon_emissions"
    total_node = _wait_for("Boiler gas in list_nodes", lambda: _node(live, total_carbon))
    sub_node = _wait_for("Office electricity in list_nodes", lambda: _node(live, sub_carbon))
    total_port, sub_port = total_node["port"], sub_node["port"]
    assert total_node["factor"] == BOILER_FACTOR
    name = "Site check"
    notation = f"G7: {total_port} > {sub_port}"
    # The same port on both sides: the parser's own error, before any node is looked up.
    both_sides = f"{total_port} > {total_port}/{sub_port}"
    both_sides_error = EN["error"]["notation_port_on_both_sides"].format(port=total_port)
    members = TOTAL_MEMBERS_FORM["data"]

    def add(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(GROUP_MENU).click()
        expect(page.get_by_text(GROUP_FORM["description"])).to_be_visible()
        page.get_by_role("textbox", name=GROUP_FORM["data"]["name"] + "*").fill(name)
        kind = page.get_by_role("radio", name=GROUP_KINDS["total_vs_sub"])
        kind.check()
        expect(kind).to_be_checked()
        ui.shot(page, "binding_group_form", dialog=True)
        page.get_by_role("button", name="Submit").click()

        expect(page.get_by_text(TOTAL_MEMBERS_FORM["title"])).to_be_visible()
        for label in (members["left"], members["right"], members["group_number"]):
            expect(page.get_by_text(label, exact=True).first).to_be_visible()
        typed = page.get_by_role("textbox", name=members["notation"], exact=True)
        typed.fill(both_sides)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text(both_sides_error)).to_be_visible()
        expect(typed).to_have_value(both_sides)  # what was typed stays
        ui.shot(page, "binding_group_notation_error", dialog=True)
        typed.fill(notation)
        page.get_by_role("button", name="Submit").click()

        expect(page.get_by_text(THRESHOLD_FORM["title"])).to_be_visible()
        # The description names the group as it will be, with the nodes' ports now.
        expect(page.get_by_text(f"The group: {notation}.", exact=False)).to_be_visible()
        expect(page.get_by_text(WINDOWS["day"], exact=True).filter(visible=True)).to_have_count(1)
        page.get_by_role(
            "spinbutton", name=THRESHOLD_FORM["data"]["threshold_kg"], exact=True
        ).fill("1")
        ui.shot(page, "binding_group_threshold", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, name)

    ui.run(add)
    entry = _wait_for_entry(live, name)
    assert entry["state"] == "loaded"
    error = "sensor.site_check_error"
    total = "sensor.site_check_total"
    subs = "sensor.site_check_sum_of_sub_meters"
    relative = "sensor.site_check_relative_error"
    problem = "binary_sensor.site_check_threshold_exceeded"
    for entity_id in (error, total, subs, relative, problem):
        _wait_for(entity_id, lambda entity_id=entity_id: live.get_state(entity_id))
    state = live.get_state(error)
    assert state is not None
    assert state["attributes"]["notation"] == notation
    assert state["attributes"]["window"] == "day"

    # The window counts from the group's start: both sides at 0 kg, the alarm off.
    for entity_id in (error, total, subs):
        _wait_for(f"{entity_id} = 0", lambda entity_id=entity_id: _at(live, entity_id, 0.0))
    assert _state(live, problem) == "off"

    # The total meter's node counts 0.25 m³ more: the total and the error move by its carbon.
    boiler = ("sensor.boiler_meter", {**GAS, "friendly_name": "Boiler meter"})
    office = ("sensor.office_meter", {**KWH, "friendly_name": "Office meter"})
    boiler_m3 = _carbon(live, boiler[0])
    office_kwh = _carbon(live, office[0])
    assert boiler_m3 is not None
    assert office_kwh is not None
    boiler_kg = _carbon(live, total_carbon)
    assert boiler_kg is not None
    step = 0.25 * BOILER_FACTOR
    _feed_and_expect(live, boiler, boiler_m3 + 0.25, total_carbon, boiler_kg + step)
    _wait_for(f"{total} = {step}", lambda: _at(live, total, step))
    _wait_for(f"{error} = {step}", lambda: _at(live, error, step))
    assert _carbon(live, subs) == 0.0
    assert _state(live, problem) == "off"  # 0.517 kg: within the 1 kg line

    # A sub-meter's carbon is accounted for: the error falls by it.
    sub_kg = _carbon(live, sub_carbon)
    assert sub_kg is not None
    sub_step = 0.1 * sub_node["factor"]
    _feed_and_expect(live, office, office_kwh + 0.1, sub_carbon, sub_kg + sub_step)
    _wait_for(f"{subs} = {sub_step}", lambda: _at(live, subs, sub_step))
    _wait_for(f"{error} = {step - sub_step}", lambda: _at(live, error, step - sub_step))
    assert _state(live, problem) == "off"

    # Another 0.5 m³ on the total meter: the error passes the 1 kg line and the alarm goes on.
    more = 0.5 * BOILER_FACTOR
    _feed_and_expect(live, boiler, boiler_m3 + 0.75, total_carbon, boiler_kg + 0.75 * BOILER_FACTOR)
    _wait_for(f"{total} = {step + more}", lambda: _at(live, total, step + more))
    error_kg = step + more - sub_step
    _wait_for(f"{error} = {error_kg}", lambda: _at(live, error, error_kg))
    _wait_for(f"{problem} on", lambda: True if _state(live, problem) == "on" else None)
    assert _carbon(live, relative) == pytest.approx(error_kg / (step + more) * 100.0)
    notification = f"{DOMAIN}_threshold_{entry['entry_id']}"
    shown = [n["notification_id"] for n in live.ws_command({"type": "persistent_notification/get"})]
    assert notification in shown

    device_id = _wait_for("the group's device", lambda: _device_id(live, name))

    def device_page(page: Page) -> None:
        ui.goto(page, f"/config/devices/device/{device_id}")
        # A service device (no hardware): "Service info", with the group number as serial.
        expect(page.get_by_role("heading", name="Service info")).to_be_visible()
        expect(page.get_by_text("Serial number: G7")).to_be_visible()
        for entity_name in GROUP_ENTITY_NAMES:
            expect(page.get_by_text(entity_name, exact=True).first).to_be_visible()
        # 3 decimals; a side's window sum and its cumulative sum are the same on the group's
        # first day, so each side's figure shows twice.
        for kilograms in (error_kg, step + more, sub_step):
            expect(page.get_by_text(f"{kilograms:.3f} kg").first).to_be_visible()
        expect(page.get_by_text("Problem")).to_be_visible()  # the problem sensor is on
        ui.shot(page, "binding_group_device")

    ui.run(device_page)
    # Dismissed, so that the badge does not show on the later tests' screenshots.
    live.request(
        "POST",
        "/api/services/persistent_notification/dismiss",
        {"notification_id": notification},
    )


DECLARATION_MENU = EN["step"]["user"]["menu_options"]["declaration"]
DECLARATION_FORM = EN["step"]["declaration"]


def test_add_declaration_and_declare_from_the_quick_form(ui: Browser, live: LiveHass) -> None:
    """The demo person's declaration entry from the menu; a day declared with the quick form.

    The form is the shipped script blueprint (seeded as script.declare_today, a tile on the
    Carbon dashboard's Declare view): filled in the tile's dialog and run as the logged-in user,
    it declares for that user's person.
    """
    total = "sensor.demo_declared_total"
    today = "sensor.demo_declared_today"

    def add(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(DECLARATION_MENU).click()
        expect(page.get_by_text(DECLARATION_FORM["description"])).to_be_visible()
        # The only person may already be filled in by the frontend's entity picker.
        chosen = page.locator("ha-selector-entity").get_by_text("Demo", exact=True)
        try:
            expect(chosen).to_be_visible(timeout=3_000)
        except AssertionError:
            _pick_entity(page, DECLARATION_FORM["data"]["person"], "Demo", "Demo")
        expect(chosen).to_be_visible()
        ui.shot(page, "declaration_form", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, "Demo")

    ui.run(add)
    entry = _wait_for_entry(live, "Demo")
    assert entry["state"] == "loaded"
    _wait_for(f"{total} = 0", lambda: _at(live, total, 0.0))

    def declare(page: Page) -> None:
        ui.goto(page, "/carbon-dashboard/declare")
        page.locator("hui-tile-card").filter(has_text="Declare today").click()
        dialog = page.locator("ha-more-info-dialog")
        expect(dialog.get_by_text("Run script")).to_be_visible()

        def field(label: str) -> Locator:
            # Each field is a row: its label, then the number box (not named by the label).
            row = dialog.locator("ha-settings-row").filter(has_text=label)
            return row.locator("input:not([type=checkbox])")

        field("Car (km)").fill("10")
        field("Home electricity (kWh)").fill("3")
        ui.shot(page, "quick_declaration_form", dialog=True)
        dialog.get_by_role("button", name=re.compile(r"^Run")).last.click()

    ui.run(declare)
    # 10 km by petrol car (DESNZ 2025) and 3 kWh at the UK grid factor (the country is GB).
    expected = 10 * 0.16272 + 3 * 0.177
    _wait_for(f"{today} = {expected}", lambda: _at(live, today, expected))
    assert _carbon(live, total) == pytest.approx(expected)

    def confirmed(page: Page) -> None:
        # The tile shows today's figure, not the script's "Off"; the notification says it back.
        ui.goto(page, "/carbon-dashboard/declare")
        tile = page.locator("hui-tile-card").filter(has_text="Declare today")
        expect(tile).to_contain_text("kg")
        expect(tile).not_to_contain_text("Off")
        ui.shot(page, "quick_declaration_done")

    ui.run(confirmed)
    notices = live.ws_command({"type": "persistent_notification/get"})
    declared = [n for n in notices if n["notification_id"].startswith("carbon_tracker_declared_")]
    assert declared
    assert f"{expected:.3f} kg CO2e" in declared[0]["message"]


def test_add_carbon_aware_window(ui: Browser, live: LiveHass) -> None:
    """A carbon-aware window from the menu on a grid forecast (carbon_intensity_uk's format):
    the form reads the forecast, and the window's start is the forecast's lowest two hours."""
    start = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    half_hour = timedelta(minutes=30)
    # 400 g/kWh for a day, but 100 from three hours after the next full hour, for two hours.
    forecast = [
        {
            "from": (start + index * half_hour).isoformat(),
            "to": (start + (index + 1) * half_hour).isoformat(),
            "intensity": 100 if 6 <= index < 10 else 400,
        }
        for index in range(48)
    ]
    live.set_state(
        "sensor.grid_forecast",
        400.0,
        {**INTENSITY, "friendly_name": "Grid forecast", "forecast": forecast},
    )
    window_start = "sensor.dishwasher_window_low_carbon_window_start"
    in_window = "binary_sensor.dishwasher_window_in_the_low_carbon_window"

    def add(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(WINDOW_MENU).click()
        expect(page.get_by_text(WINDOW_FORM["title"])).to_be_visible()
        page.get_by_role("textbox", name="Name*").fill("Dishwasher window")
        _pick_entity(page, WINDOW_FORM["data"]["forecast_entity"], "grid_forecast", "Grid forecast")
        page.get_by_role("spinbutton", name=WINDOW_FORM["data"]["length_minutes"]).fill("120")
        page.get_by_role("spinbutton", name=WINDOW_FORM["data"]["horizon_hours"]).fill("24")
        ui.shot(page, "carbon_window_form", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, "Dishwasher window")

    ui.run(add)
    entry = _wait_for_entry(live, "Dishwasher window")
    assert entry["state"] == "loaded"
    expected = (start + 6 * half_hour).isoformat()
    state = _wait_for(
        window_start,
        lambda: (
            found
            if (found := live.get_state(window_start)) and found["state"] == expected
            else None
        ),
    )
    assert state["attributes"]["end"] == (start + 10 * half_hour).isoformat()
    assert state["attributes"]["mean_intensity"] == 100.0
    assert _state(live, in_window) == "off"
    device_id = _wait_for("the window's device", lambda: _device_id(live, "Dishwasher window"))

    def device_page(page: Page) -> None:
        ui.goto(page, f"/config/devices/device/{device_id}")
        expect(page.get_by_text(WINDOW_ENTITY_NAMES[0], exact=True).first).to_be_visible()
        expect(page.get_by_text(WINDOW_ENTITY_NAMES[1], exact=True).first).to_be_visible()
        ui.shot(page, "carbon_window_device")

    ui.run(device_page)


FORECAST_MEMBERS_FORM = EN["step"]["group_members_forecast_vs_measured"]
FORECAST_GROUP_NAMES = [
    EN_ALL["entity"]["sensor"][key]["name"] for key in ("error", "forecast", "measured")
]
PLANNED_NAME = EN_ALL["entity"]["sensor"]["planned_carbon"]["name"]


def test_audit_of_a_shift(ui: Browser, live: LiveHass) -> None:
    """A window that plans a run (a forecast port) against the load's node in a group.

    The window is added in the menu with the run's energy, its own port and the load's port
    (the seeded Office electricity node); a forecast-vs-measured group binds the two. When the
    forecast says the next hour is low, the window starts at once and records its run: 1.5 kWh
    at 100 g/kWh, 0.15 kg forecast. The load then uses 1 kWh: the group's error is what the run
    emitted beyond its promise.
    """
    office_carbon = "sensor.office_electricity_carbon_emissions"
    office_node = _wait_for("Office electricity in list_nodes", lambda: _node(live, office_carbon))
    load_port, factor = int(office_node["port"]), float(office_node["factor"])
    plan_port = 60
    forecast_entity = ("sensor.shift_forecast", {**INTENSITY, "friendly_name": "Shift forecast"})
    now = datetime.now(tz=UTC).replace(microsecond=0)
    half_hour = timedelta(minutes=30)

    def forecast(begins: datetime, slots: int) -> list[dict[str, Any]]:
        return [
            {
                "from": (begins + index * half_hour).isoformat(),
                "to": (begins + (index + 1) * half_hour).isoformat(),
                "intensity": 100,
            }
            for index in range(slots)
        ]

    # Readable, but too short for a 30-minute run yet: the window waits for a longer forecast.
    live.set_state(
        forecast_entity[0],
        100.0,
        {**forecast_entity[1], "forecast": forecast(now - timedelta(minutes=20), 1)},
    )
    window_name, group_name = "Washing run", "Shift audit"
    planned = "sensor.washing_run_planned_carbon"
    form = WINDOW_FORM["data"]

    def add_window(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(WINDOW_MENU).click()
        expect(page.get_by_text(WINDOW_FORM["title"])).to_be_visible()
        page.get_by_role("textbox", name="Name*").fill(window_name)
        _pick_entity(page, form["forecast_entity"], "shift_forecast", "Shift forecast")
        page.get_by_role("spinbutton", name=form["length_minutes"]).fill("30")
        page.get_by_role("spinbutton", name=form["planned_kwh"]).fill("1.5")
        page.get_by_role("spinbutton", name=form["port"], exact=True).fill(str(plan_port))
        page.get_by_role("spinbutton", name=form["load_port"]).fill(str(load_port))
        ui.shot(page, "carbon_window_plan_form", dialog=True)
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, window_name)

    ui.run(add_window)
    assert _wait_for_entry(live, window_name)["state"] == "loaded"
    _wait_for(f"{planned} = 0", lambda: _at(live, planned, 0.0))

    members = FORECAST_MEMBERS_FORM["data"]
    notation = f"G9: {plan_port} > {load_port}"

    def add_group(page: Page) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(GROUP_MENU).click()
        page.get_by_role("textbox", name=GROUP_FORM["data"]["name"] + "*").fill(group_name)
        page.get_by_role("radio", name=GROUP_KINDS["forecast_vs_measured"]).check()
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text(FORECAST_MEMBERS_FORM["title"])).to_be_visible()
        page.get_by_role("textbox", name=members["notation"], exact=True).fill(notation)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_text(THRESHOLD_FORM["title"])).to_be_visible()
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, group_name)

    ui.run(add_group)
    assert _wait_for_entry(live, group_name)["state"] == "loaded"
    error, forecast_side, measured = (
        "sensor.shift_audit_error",
        "sensor.shift_audit_forecast",
        "sensor.shift_audit_measured",
    )
    _wait_for(f"{error} = 0", lambda: _at(live, error, 0.0))

    # The next hour is low: the lowest 30 minutes start now, and the run is planned at once.
    plan_kg = 1.5 * 0.1
    live.set_state(
        forecast_entity[0],
        100.0,
        {**forecast_entity[1], "forecast": forecast(now - timedelta(minutes=5), 2)},
    )
    _wait_for(f"{planned} = {plan_kg}", lambda: _at(live, planned, plan_kg))
    state = live.get_state(planned)
    assert state is not None
    assert state["attributes"]["runs"] == 1
    assert state["attributes"]["load_port"] == load_port
    _wait_for(f"{forecast_side} = {plan_kg}", lambda: _at(live, forecast_side, plan_kg))

    # The washing machine (on the office's meter here) uses 1 kWh during its window.
    office = ("sensor.office_meter", {**KWH, "friendly_name": "Office meter"})
    office_kwh = _carbon(live, office[0])
    office_kg = _carbon(live, office_carbon)
    assert office_kwh is not None
    assert office_kg is not None
    _feed_and_expect(live, office, office_kwh + 1.0, office_carbon, office_kg + factor)
    _wait_for(f"{measured} = {factor}", lambda: _at(live, measured, factor))
    _wait_for(f"{error} = {factor - plan_kg}", lambda: _at(live, error, factor - plan_kg))
    group_device = _wait_for("the group's device", lambda: _device_id(live, group_name))

    def device_page(page: Page) -> None:
        ui.goto(page, f"/config/devices/device/{group_device}")
        for entity_name in FORECAST_GROUP_NAMES:
            expect(page.get_by_text(entity_name, exact=True).first).to_be_visible()
        for kilograms in (factor - plan_kg, plan_kg, factor):
            expect(page.get_by_text(f"{kilograms:.3f} kg").first).to_be_visible()
        ui.shot(page, "shift_audit_group_device")

    ui.run(device_page)


def test_solar_export_and_a_market_based_factor(ui: Browser, live: LiveHass) -> None:
    """A node on a solar export meter counts avoided emissions; a grid node given a supplier's
    factor in its options counts Scope 2 market-based beside location-based."""
    export = ("sensor.solar_export_meter", {**KWH, "friendly_name": "Solar export meter"})
    live.set_state(export[0], 40.0, export[1])
    grid = ("sensor.grid_import_meter", {**KWH, "friendly_name": "Grid import meter"})
    live.set_state(grid[0], 900.0, grid[1])
    avoided = "sensor.solar_export_avoided_emissions"
    location = "sensor.grid_import_carbon_emissions"
    market = "sensor.grid_import_carbon_emissions_market_based"

    def add(page: Page, name: str, meter: str, shown_as: str, *, export_role: bool) -> None:
        _open_create_helper(ui, page)
        page.get_by_text(KIND_MENU).click()
        page.get_by_role("textbox", name="Name*").fill(name)
        _pick_entity(page, "Meter", meter, shown_as)
        if export_role:
            page.get_by_text(ROLE_OPTIONS["export"], exact=True).click()
            ui.shot(page, "node_export_role", dialog=True)
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(FACTOR_CUSTOM, exact=True).click()
        page.get_by_role("spinbutton", name=FACTOR_VALUE, exact=True).fill("0.2")
        page.get_by_role("button", name="Submit").click()
        _finish_creation(page, name)

    ui.run(
        lambda page: add(
            page, "Solar export", "solar_export_meter", "Solar export meter", export_role=True
        )
    )
    ui.run(
        lambda page: add(
            page, "Grid import", "grid_import_meter", "Grid import meter", export_role=False
        )
    )
    _wait_for(avoided, lambda: live.get_state(avoided))
    _feed_and_expect(live, export, 50.0, avoided, 10.0 * 0.2)
    state = live.get_state(avoided)
    assert state is not None
    assert state["attributes"]["friendly_name"] == "Solar export Avoided emissions"

    def market_factor(page: Page) -> None:
        ui.goto(page, f"/config/integrations/integration/{DOMAIN}")
        _entry_row(page, "Grid import").get_by_role("button", name="Configure").click()
        expect(page.get_by_text("Tracking node options")).to_be_visible()
        page.get_by_role("spinbutton", name=OPTIONS_INIT["data"]["market_factor"]).fill("0.05")
        page.get_by_role("button", name="Submit").click()
        # The factor's source is asked for: it is printed beside the figure.
        expect(page.get_by_text(OPTIONS_ERRORS["market_source_required"])).to_be_visible()
        page.get_by_role("textbox", name=OPTIONS_INIT["data"]["market_source"]).fill(
            "Supplier X 2026"
        )
        ui.shot(page, "options_market_factor", dialog=True)
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(FACTOR_CUSTOM, exact=True).click()
        factor = page.get_by_role("spinbutton", name=FACTOR_VALUE, exact=True)
        expect(factor).to_have_value("0.2")
        page.get_by_role("button", name="Submit").click()
        page.get_by_role("button", name="Finish").click()
        expect(page.get_by_role("dialog")).to_have_count(0)

    ui.run(market_factor)
    _wait_for(market, lambda: live.get_state(market))
    _feed_and_expect(live, grid, 910.0, location, 10.0 * 0.2)
    _wait_for(f"{market} = 0.5", lambda: _at(live, market, 10.0 * 0.05))


def test_delete_node(ui: Browser, live: LiveHass) -> None:
    """Deleting a node in the UI removes its config entry, entities and device."""
    title = OLD[0]
    entry_id = _wait_for_entry(live, title)["entry_id"]
    entities = ("sensor.old_heater_carbon_emissions", "number.old_heater_emission_factor")
    assert all(live.get_state(e) is not None for e in entities)

    def delete(page: Page) -> None:
        ui.goto(page, f"/config/integrations/integration/{DOMAIN}")
        row = _entry_row(page, title)
        expect(row.get_by_text("Tracking node", exact=False)).to_have_count(1)  # its device
        row.get_by_role("button", name="Menu").first.click()
        page.get_by_role("menuitem", name="Delete").click()
        expect(page.get_by_role("heading", name=f"Delete {title}?")).to_be_visible()
        ui.shot(page, "delete_confirm", dialog=True)
        page.get_by_role("button", name="Delete", exact=True).click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        # The node's device goes from its card at once; the emptied card itself stays until the
        # page is loaded again (HA 2026.10's frontend does the same for core helpers).
        expect(row.get_by_text("Tracking node", exact=False)).to_have_count(0)
        page.reload()
        expect(page.get_by_text("Office electricity", exact=True).first).to_be_visible()
        expect(_entry_row(page, title)).to_have_count(0)
        ui.shot(page, "after_delete")

    ui.run(delete)
    _wait_for("the entry to go", lambda: True if title not in _entries(live) else None)
    registry = live.ws_command({"type": "config/entity_registry/list"})
    assert [e["entity_id"] for e in registry if e.get("config_entry_id") == entry_id] == []
    assert all(live.get_state(e) is None for e in entities)
    assert _device_id(live, title) is None


def test_config_flow_in_chinese(ui: Browser, live: LiveHass) -> None:
    """With the demo user's language set to zh-Hans, the flow speaks zh-Hans.json."""
    live.set_state("sensor.zh_meter", 5.0, {**KWH, "friendly_name": "ZH meter"})

    def set_language(language: str) -> None:
        live.ws_command(
            {
                "type": "frontend/set_user_data",
                "key": "language",
                "value": {"language": language, **USER_LANGUAGE},
            }
        )

    step = ZH["step"]
    menu = step["user"]["menu_options"]["tracking_node"]
    form = step["tracking_node"]
    factor_menu = step["factor"]["menu_options"]
    library = step["factor_library"]
    texts = [
        step["user"]["description"],
        menu,
        form["description"],
        *form["data"].values(),
        *factor_menu.values(),
        library["description"],
        library["data"]["factor_id"],
    ]
    untranslated = [t for t in texts if not re.search(r"[\u4e00-\u9fff]", t)]
    assert not untranslated, f"zh-Hans.json has texts without Chinese: {untranslated}"

    def chinese(page: Page) -> None:
        _open_create_helper(ui, page, create_helper="创建辅助元素")
        expect(page.get_by_text(step["user"]["description"])).to_be_visible()
        expect(page.get_by_text(menu)).to_be_visible()
        ui.shot(page, "zh_hans_kind_menu", dialog=True)
        page.get_by_text(menu).click()
        expect(page.get_by_text(form["description"])).to_be_visible()
        expect(page.get_by_role("textbox", name=form["data"]["name"] + "*")).to_be_visible()
        expect(page.get_by_text(form["data"]["source"], exact=True).first).to_be_visible()
        expect(page.get_by_role("spinbutton", name=form["data"]["port"] + "*")).to_be_visible()
        expect(
            page.get_by_role("spinbutton", name=form["data"]["max_delta_per_hour"], exact=True)
        ).to_be_visible()
        for description in form["data_description"].values():
            expect(page.get_by_text(description)).to_be_visible()
        page.get_by_role("textbox", name=form["data"]["name"] + "*").fill("实验室电表")
        _pick_entity(
            page,
            form["data"]["source"],
            "zh_meter",
            "ZH meter",
            picker="选择一个实体",
            search_box="搜索",
        )
        ui.shot(page, "zh_hans_tracking_node_form", dialog=True)
        page.get_by_role("button", name="提交").click()
        for option in factor_menu.values():
            expect(page.get_by_text(option, exact=True)).to_be_visible()
        ui.shot(page, "zh_hans_factor_menu", dialog=True)
        page.get_by_text(factor_menu["factor_library"], exact=True).click()
        expect(page.get_by_text(library["description"])).to_be_visible()
        expect(page.get_by_label(library["data"]["factor_id"], exact=True)).to_be_visible()
        ui.shot(page, "zh_hans_built_in_factor", dialog=True)
        # Leave without adding a node.
        page.get_by_role("button", name="关闭").click()
        expect(page.get_by_role("dialog")).to_have_count(0)

    set_language("zh-Hans")
    try:
        ui.run(chinese)
    finally:
        set_language("en")
    assert "实验室电表" not in _entries(live)
