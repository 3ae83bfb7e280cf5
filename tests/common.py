"""Helpers shared by the tests: building entries, reading states, walking the config flow."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
import json
from pathlib import Path
import shutil
from string import Formatter
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import async_get_platforms
from homeassistant.setup import async_setup_component
from homeassistant.util.file import WriteError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.carbon_tracker.const import (
    CONF_FACTOR_MODE,
    CONF_FACTOR_UNIT,
    CONF_FACTOR_VALUE,
    CONF_KIND,
    CONF_PORT,
    CONF_SOURCE,
    DOMAIN,
)

SOURCE = "sensor.grid_energy"
CARBON = "sensor.grid_energy_carbon_emissions"


def meter_attributes(
    unit: str = "kWh", state_class: str = "total_increasing", **extra: Any
) -> dict[str, Any]:
    """Attributes of a cumulative meter."""
    return {ATTR_UNIT_OF_MEASUREMENT: unit, "state_class": state_class, **extra}


def set_meter(
    hass: HomeAssistant, value: Any, unit: str = "kWh", entity_id: str = SOURCE, **extra: Any
) -> None:
    """Write a meter reading into the state machine."""
    hass.states.async_set(entity_id, str(value), meter_attributes(unit, **extra))


def node_entry(
    *,
    source: str = SOURCE,
    port: int = 1,
    title: str = "Grid energy",
    entry_id: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A tracking node entry with a custom factor of 0.5 kg CO2e/kWh unless told otherwise."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_KIND: "tracking_node", CONF_SOURCE: source},
        minor_version=3,
        entry_id=entry_id,
        options={
            CONF_PORT: port,
            CONF_FACTOR_MODE: "custom",
            CONF_FACTOR_VALUE: 0.5,
            CONF_FACTOR_UNIT: "kWh",
            "factor_number": True,
            **options,
        },
    )


async def setup_node(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up a node entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def carbon(hass: HomeAssistant, entity_id: str = "sensor.grid_energy_carbon_emissions") -> float:
    """The carbon total shown in the state machine."""
    state = hass.states.get(entity_id)
    assert state is not None
    return float(state.state)


def approx(value: float) -> object:
    """Equal to the gram and far below: carbon totals are compared to 1e-9 kg."""
    return pytest.approx(value, abs=1e-9)


def register_source(hass: HomeAssistant, entity_id: str = SOURCE) -> er.RegistryEntry:
    """Put the source in the entity registry, as an entity of another integration."""
    meter_entry = MockConfigEntry(domain="test")
    meter_entry.add_to_hass(hass)
    object_id = entity_id.split(".", 1)[1]
    entity = er.async_get(hass).async_get_or_create(
        "sensor", "test", object_id, suggested_object_id=object_id, config_entry=meter_entry
    )
    assert entity.entity_id == entity_id
    return entity


def entity_object(hass: HomeAssistant, entity_id: str) -> Entity:
    """The entity object behind an entity id, as the integration's platform holds it."""
    for platform in async_get_platforms(hass, DOMAIN):
        if entity_id in platform.entities:
            return platform.entities[entity_id]
    raise AssertionError(f"{entity_id} is not an entity of {DOMAIN}")


def meter_id(port: int) -> str:
    """The meter of the test node with this port (see ``add_nodes``)."""
    return f"sensor.meter_{port}"


def node_carbon_id(port: int) -> str:
    """The carbon sensor of the test node with this port."""
    return f"sensor.meter_{port}_carbon_emissions"


async def add_nodes(hass: HomeAssistant, *ports: int, reading: float = 100.0) -> dict[int, str]:
    """Nodes at 0.5 kg CO2e/kWh on meters reading ``reading`` kWh; their entry ids by port."""
    ids = {}
    for port in ports:
        set_meter(hass, reading, entity_id=meter_id(port))
        entry = await setup_node(
            hass,
            node_entry(
                source=meter_id(port), port=port, title=f"Meter {port}", entry_id=f"node_{port}"
            ),
        )
        ids[port] = entry.entry_id
    return ids


def group_entry(
    *,
    kind: str = "total_vs_sub",
    left: list[str] | None = None,
    right: list[str] | None = None,
    title: str = "Main vs subs",
    entry_id: str = "group_main",
    **options: Any,
) -> MockConfigEntry:
    """A binding group entry (a day window, no threshold unless told otherwise)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_KIND: "binding_group", "group_kind": kind},
        minor_version=3,
        entry_id=entry_id,
        options={
            "left": left or [],
            "right": right or [],
            "forecast_template": None,
            "group_number": None,
            "window": "day",
            "threshold_kg": None,
            "threshold_pct": None,
            "hysteresis_pct": 10.0,
            "min_reference_kg": 1.0,
            **options,
        },
    )


def declaration_entry(
    person: str = "person.alex",
    *,
    port: int = 40,
    title: str = "Alex",
    entry_id: str | None = None,
    **options: Any,
) -> MockConfigEntry:
    """A person's declaration entry, priced with the UK grid factor unless told otherwise."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data={CONF_KIND: "declaration", "person": person},
        minor_version=3,
        entry_id=entry_id,
        options={
            CONF_PORT: port,
            "grid_factor_id": "uk_desnz_2025_electricity",
            "max_age_days": 7,
            "reminder": False,
            "reminder_time": "20:00:00",
            "form_path": "/lovelace/declare",
            "activities": [],
            **options,
        },
    )


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's state as text (the entity must exist)."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def state_number(hass: HomeAssistant, entity_id: str) -> float:
    """An entity's state as a number (it must be one)."""
    return float(state_of(hass, entity_id))


# The integration's English texts, as the frontend shows them.
EN = json.loads(
    (
        Path(__file__).parents[1] / "custom_components" / DOMAIN / "translations" / "en.json"
    ).read_text(encoding="utf-8")
)


# The menu of kinds, in its order: what Create helper > Carbon Tracker offers.
KINDS_MENU = [
    "tracking_node",
    "binding_group",
    "report_profile",
    "logistics",
    "declaration",
    "site_publisher",
    "remote_site",
    "carbon_window",
]


async def pick_kind(hass: HomeAssistant, kind: str) -> FlowResult:
    """Create helper > Carbon Tracker, then ``kind`` in the menu: what the flow answers (the
    kind's first form, or an abort). The one flow starter of the tests."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == KINDS_MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": kind})


async def options_typed_factor(
    hass: HomeAssistant, result: FlowResult, value: float = 0.5, unit: str = "kWh"
) -> FlowResult:
    """A node's options at their factor step: the typed factor ``value`` kg per ``unit``."""
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "factor_custom"}
    )
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"factor_value": value, "factor_unit": unit}
    )


async def kind_form(hass: HomeAssistant, kind: str) -> FlowResult:
    """Create helper > Carbon Tracker: the menu of kinds, then the first form of ``kind``."""
    result = await pick_kind(hass, kind)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    assert result["errors"] == {}
    return result


def assert_refused(
    result: FlowResult, where: str, problem: str, flow: str = "config", **placeholders: str
) -> str:
    """The form again with one error on ``where``; the text the user reads is returned."""
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {where: problem}
    shown = result["description_placeholders"] or {}
    text = EN[flow]["error"][problem]
    used = {name for _, name, _, _ in Formatter().parse(text) if name}
    assert used == set(placeholders), f"{problem} uses {used}"
    for name, value in placeholders.items():
        assert shown[name] == value, name
    return str(text.format(**shown))


def store_file(key: str, data: Any) -> dict[str, Any]:
    """What HA's Store keeps under ``key`` (version 1), as the hass_storage fixture holds it."""
    return {"version": 1, "minor_version": 1, "key": key, "data": data}


def refusing_disk() -> Any:
    """While active, every Store write fails as on a full disk (HA's Store logs it and goes on)."""
    return patch(
        "homeassistant.helpers.storage.Store._async_write_data",
        side_effect=WriteError("No space left on device"),
    )


def refusal(order_id: str | None, error: str, detail: str) -> dict[str, Any]:
    """A refused shipment record as an answer gives it: key, detail and the English sentence."""
    messages = EN["exceptions"]
    return {
        "order_id": order_id,
        "error": error,
        "detail": detail,
        "message": messages[error]["message"].format(detail=detail),
    }


def import_hourly_sums(
    hass: HomeAssistant,
    statistic_id: str,
    sums: Iterable[tuple[datetime, float]],
    *,
    unit: str = "kg",
    unit_class: str | None = "mass",
) -> None:
    """Import hourly statistics of a sensor as HA's recorder keeps them: (hour start, sum) rows,
    the state equal to the sum. The one statistics-import helper of the tests."""
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.NONE,
            "has_sum": True,
            "name": None,
            "source": "recorder",
            "statistic_id": statistic_id,
            "unit_class": unit_class,
            "unit_of_measurement": unit,
        },
        [{"start": start, "state": total, "sum": total} for start, total in sums],
    )


def import_hourly_means(
    hass: HomeAssistant, statistic_id: str, means: Iterable[tuple[datetime, float]], unit: str
) -> None:
    """Import hourly statistics of a measurement (a grid intensity): (hour start, mean) rows."""
    async_import_statistics(
        hass,
        {
            "mean_type": StatisticMeanType.ARITHMETIC,
            "has_sum": False,
            "name": None,
            "source": "recorder",
            "statistic_id": statistic_id,
            "unit_class": None,
            "unit_of_measurement": unit,
        },
        [{"start": start, "mean": mean, "min": mean, "max": mean} for start, mean in means],
    )


async def recorded(hass: HomeAssistant) -> None:
    """Wait until the recorder has written what was imported."""
    await async_wait_recording_done(hass)


async def use_automation_blueprint(
    hass: HomeAssistant, blueprint: Path, automation_id: str, alias: str, **inputs: Any
) -> None:
    """Copy a shipped automation blueprint where HA looks for a user's (the config folder's
    ``blueprints/automation/carbon_tracker``) and set up one automation from it, running."""
    folder = Path(hass.config.path("blueprints", "automation", "carbon_tracker"))
    await hass.async_add_executor_job(lambda: folder.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, blueprint, folder / blueprint.name)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": automation_id,
                "alias": alias,
                "use_blueprint": {"path": f"carbon_tracker/{blueprint.name}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(f"automation.{automation_id}")
    assert state is not None
    assert state.state == "on", state
