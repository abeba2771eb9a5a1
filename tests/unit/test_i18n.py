"""Locale files: English is complete, Russian is the default, placeholders agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import ownerbot
from ownerbot.i18n import DEFAULT_LOCALE, catalog_keys, pick_locale, t


def test_english_has_every_russian_key() -> None:
    assert catalog_keys("en") == catalog_keys("ru")


def test_placeholders_agree_between_locales() -> None:
    for key in catalog_keys("ru"):
        ru = set(re.findall(r"{(\w+)}", t(key, "ru")))
        en = set(re.findall(r"{(\w+)}", t(key, "en")))
        assert ru == en, key


def test_pick_locale() -> None:
    assert pick_locale("en-GB") == "en"
    assert pick_locale("ru") == "ru"
    assert pick_locale("de") == DEFAULT_LOCALE == "ru"
    assert pick_locale(None) == "ru"


def test_format() -> None:
    assert t("errors.internal", "en", cid="abc").endswith("<code>abc</code>")
    assert t("access.denied") == "Нет доступа."


# -- per-file catalogs and the keys the code uses --------------------------------------------------

LOCALES_DIR = Path(ownerbot.__file__).parent / "locales"
PACKAGE_DIR = Path(ownerbot.__file__).parent
# `t("key"` (also across a line break); f-string keys are checked by their literal prefix.
_LITERAL_KEY = re.compile(r"\bt\(\s*\"([^\"{}]+)\"")
_FSTRING_KEY = re.compile(r"\bt\(\s*f\"([^\"{}]*)\{")


def _file_keys(path: Path) -> set[str]:
    keys: set[str] = set()

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            keys.add(prefix)

    walk("", yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return keys


def _area_files() -> list[tuple[str, Path, Path]]:
    """(area, ru file, en file) for the base catalog and every `<area>.ru.yaml`."""
    pairs = [("", LOCALES_DIR / "ru.yaml", LOCALES_DIR / "en.yaml")]
    for ru in sorted(LOCALES_DIR.glob("*.ru.yaml")):
        area = ru.name.removesuffix(".ru.yaml")
        pairs.append((area, ru, LOCALES_DIR / f"{area}.en.yaml"))
    return pairs


def test_every_locale_file_has_its_pair_with_the_same_keys() -> None:
    english = {p.name for p in LOCALES_DIR.glob("*.en.yaml")}
    assert english == {en.name for area, _, en in _area_files() if area}, "an EN file without its RU file"
    for area, ru, en in _area_files():
        assert en.exists(), f"{en.name} is missing"
        ru_keys, en_keys = _file_keys(ru), _file_keys(en)
        assert ru_keys == en_keys, (area, sorted(ru_keys ^ en_keys)[:20])
        if area:
            # Each area owns one top-level namespace named after it, so areas never collide.
            assert {k.split(".", 1)[0] for k in ru_keys} <= {area}, ru.name


def _used_keys() -> tuple[dict[str, str], dict[str, str]]:
    literal: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(PACKAGE_DIR))
        for key in _LITERAL_KEY.findall(source):
            literal.setdefault(key, where)
        for prefix in _FSTRING_KEY.findall(source):
            prefixes.setdefault(prefix, where)
    return literal, prefixes


def test_every_literal_key_used_in_code_exists() -> None:
    literal, prefixes = _used_keys()
    assert len(literal) > 100  # the scan really finds the code's keys
    keys = catalog_keys("ru")
    missing = {key: where for key, where in literal.items() if key not in keys}
    assert missing == {}
    unknown_prefixes = {p: w for p, w in prefixes.items() if not any(k.startswith(p) for k in keys)}
    assert unknown_prefixes == {}
