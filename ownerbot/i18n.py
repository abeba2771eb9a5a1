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


def _locale_files(locale: str) -> list[Any]:
    """`<locale>.yaml` plus the per-area files `<area>.<locale>.yaml` (each area owns its own file)."""
    root = resources.files("ownerbot.locales")
    extra = sorted((f for f in root.iterdir() if f.name.endswith(f".{locale}.yaml")), key=lambda f: f.name)
    return [root.joinpath(f"{locale}.yaml"), *extra]


@cache
def _catalog(locale: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for file in _locale_files(locale):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        _flatten(data, flat, file.name)
    return flat


def _flatten(data: Any, flat: dict[str, str], source: str) -> None:

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            if prefix in flat:
                raise ValueError(f"UI text {prefix!r} defined twice (again in {source})")
            flat[prefix] = str(node)

    walk("", data)


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
