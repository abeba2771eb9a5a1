"""A tool warning in the owner's words: the text for its code (`warnings.*.yaml`) filled with its params.

Read tools do not know the owner's language, so `ToolWarning.message` stays English (CLI, audit, the
planner) and the owner's text is looked up here by the stable `code`. An unknown code, or a warning whose
params do not fit its text, shows `message` as it is: a caveat is never dropped.
"""

from __future__ import annotations

import re

from ownerbot.i18n import DEFAULT_LOCALE, catalog_keys, t
from ownerbot.reports.style import Formats
from ownerbot.tools.contract import ToolWarning, WarningParam

NAMESPACE = "warnings"
# Helper texts live under `warnings.parts`, so no warning code may be named "parts".
PARTS = f"{NAMESPACE}.parts"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def warning_key(code: str) -> str:
    return f"{NAMESPACE}.{code}"


def has_text(code: str, locale: str = DEFAULT_LOCALE) -> bool:
    """Whether `code` has an owner text in `locale` (codes with none fall back to the English message)."""
    return code != "parts" and warning_key(code) in catalog_keys(locale)


def warning_text(warning: ToolWarning, locale: str) -> str:
    """The owner's text for `warning` in `locale` (ru | en), or its English `message` when there is none."""
    formats = Formats(locale=locale)
    locale = formats.locale  # an unsupported locale reads as the default one
    if not has_text(warning.code, locale):
        return warning.message
    params = {name: _shown(value, formats) for name, value in warning.params.items()}
    try:
        if "subject" in params:  # no_data: «sales activity» and the like are words, not figures
            params["subject"] = t(f"{PARTS}.subject.{warning.params['subject']}", locale)
        # Formatted here, not by t(): a warning without params must not show a bare «{day}».
        text = t(warning_key(warning.code), locale).format(**params)
    except (KeyError, IndexError, ValueError):  # params missing for this text: say it in English
        return warning.message
    if warning.params.get("window") == "previous":
        text = t(f"{PARTS}.previous_window", locale, text=text)
    return text


def _shown(value: WarningParam, formats: Formats) -> str:
    """One param as the owner reads it: dates in words, whole numbers with the locale's separators."""
    if value is None:
        return formats.dash()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return formats.integer(value)
    if isinstance(value, float):
        return formats.number(value)
    if _ISO_DAY.match(value):
        return formats.date_long(value)
    return value
