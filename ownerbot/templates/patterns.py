"""The check of a template's free-text `patterns`, shared by the catalog loader and the router: each
must compile, and each named group must be one of the template's input keys."""

from __future__ import annotations

import re

from ownerbot.templates.spec import TemplateSpec


def pattern_problems(spec: TemplateSpec) -> list[str]:
    """A template's patterns that do not compile or name a group that is not one of its inputs."""
    keys = {item.key for item in spec.inputs}
    problems: list[str] = []
    for index, pattern in enumerate(spec.patterns):
        try:
            groups = set(re.compile(pattern).groupindex)
        except re.error as exc:
            problems.append(f"{spec.id}: patterns[{index}]: invalid regular expression ({exc})")
            continue
        for group in sorted(groups - keys):
            problems.append(f"{spec.id}: patterns[{index}]: group {group!r} is not an input key")
    return problems
