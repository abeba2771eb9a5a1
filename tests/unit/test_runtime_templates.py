"""A broken template catalog stops start-up with the file and the problem, before anything else runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ownerbot import runtime
from ownerbot.config.settings import Settings
from ownerbot.templates.loader import load_catalog


def test_broken_catalog_names_file_and_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]
) -> None:
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / "rpt_broken.yaml").write_text(
        "id: RPT_BROKEN\ncategory: reports\ntitle: T\nbutton: B\nkind: report\ntool: no_such_tool\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(runtime, "load_catalog", lambda: load_catalog(defs_dir=defs))
    with pytest.raises(runtime.StartupError) as caught:
        runtime.load_templates()
    assert "rpt_broken.yaml" in str(caught.value) and "no_such_tool" in str(caught.value)


async def test_build_runtime_stops_before_migrating(
    monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]
) -> None:
    def broken() -> None:
        raise runtime.StartupError("defs/x.yaml: tool: unknown tool 'nope'")

    async def must_not_migrate(url: str) -> None:
        raise AssertionError("migrated before the catalog was checked")

    monkeypatch.setattr(runtime, "load_templates", broken)
    monkeypatch.setattr(runtime, "upgrade", must_not_migrate)
    with pytest.raises(runtime.StartupError, match=r"x\.yaml"):
        await runtime.build_runtime(make_settings(bot_token="1:x"))
