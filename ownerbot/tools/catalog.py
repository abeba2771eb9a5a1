"""The catalog of tools OwnerBot ships: one registry built from each tool module's `SPECS`."""

from __future__ import annotations

import importlib
from typing import Any

from ownerbot.tools.registry import ToolRegistry, ToolSpec

# Modules exposing `SPECS: list[ToolSpec]`; imported on demand so importing the catalog stays cheap.
TOOL_MODULES: tuple[str, ...] = (
    "ownerbot.tools.read.sales",
    "ownerbot.tools.read.ops",
    "ownerbot.tools.read.catalog",
    "ownerbot.tools.read.system",
    "ownerbot.tools.actions",
    "ownerbot.tools.read.notifications",
    "ownerbot.tools.actions.ntf_specs",
)


def default_registry() -> ToolRegistry:
    """A registry of every shipped tool; a missing module or a duplicate name is an error, not a gap."""
    specs: list[ToolSpec[Any]] = []
    for module_name in TOOL_MODULES:
        module = importlib.import_module(module_name)
        module_specs = getattr(module, "SPECS", None)
        if not isinstance(module_specs, list | tuple):
            raise TypeError(f"{module_name}.SPECS must be a list of ToolSpec")
        for spec in module_specs:
            if not isinstance(spec, ToolSpec):
                raise TypeError(f"{module_name}.SPECS holds {type(spec).__name__}, not ToolSpec")
            specs.append(spec)
    return ToolRegistry(specs)
