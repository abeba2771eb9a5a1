"""UI texts from locale files (`locales/<lang>.yaml`); Russian is the default, English is complete.

aiogram's gettext-based i18n needs compiled catalogs and a Babel tool chain; plain YAML keeps texts
editable by non-developers and testable for completeness (see docs/decisions.md).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFAULT_LOCALE = "ru"
SUPPORTED_LOCALES = ("ru", "en")


@cache
def _catalog(locale: str) -> dict[str, str]:
    text = resources.files("ownerbot.locales").joinpath(f"{locale}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", data)
    return flat


def pick_locale(language_code: str | None) -> str:
    """Map a Telegram `language_code` (``en-GB``, ``ru``…) to a supported locale; Russian otherwise."""
    if language_code:
        lang = language_code.split("-")[0].lower()
        if lang in SUPPORTED_LOCALES:
            return lang
    return DEFAULT_LOCALE


def catalog_keys(locale: str) -> set[str]:
    """All text keys of a locale (used by completeness tests)."""
    return set(_catalog(locale))


def t(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    """The text for `key` in `locale` (falling back to Russian), formatted with `params`."""
    template = _catalog(locale).get(key) or _catalog(DEFAULT_LOCALE).get(key)
    if template is None:
        raise KeyError(f"missing UI text: {key}")
    return template.format(**params) if params else template
