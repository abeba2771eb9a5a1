"""Locale files: English is complete, Russian is the default, placeholders agree."""

from __future__ import annotations

import re

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
