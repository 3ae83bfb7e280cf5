"""Carbon Tracker node: carbon_node.h as a local ESPHome component.

A configuration that says ``carbon_node:`` (packages/node-core.yaml does, and finds this folder
through ``external_components``) makes ESPHome copy carbon_node.h into the build and include it
from its own esphome.h, which main.cpp includes before every global. So the node's globals can have
the header's types (``carbon_node::Accumulator``, ``SavedState``, ``FactorKeypad``) and its lambdas
can call them. ``esphome: includes:`` cannot do that: ESPHome emits those includes after the
globals, and the build stops at "'carbon_node' was not declared in this scope".

The component has no options and generates no code: the header is all it contributes, and it stays
plain C++17 so the host tests compile it on its own (tests/firmware).
"""

import esphome.config_validation as cv

CONFIG_SCHEMA = cv.Schema({})


async def to_code(config):
    """Nothing to generate: loading the component is what puts the header into the build."""
