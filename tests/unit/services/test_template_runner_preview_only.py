"""The runner asks the pipeline for a preview-only dry run exactly for `preview_only` templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

from ownerbot.actions.outcomes import ActionRequest, PreviewOutcome, PreviewStatus
from ownerbot.actions.pipeline import ActionPipeline
from ownerbot.config.settings import Settings
from ownerbot.services.template_runner import OutcomeKind, TemplateRunner
from ownerbot.state.memory import MemoryStateStore
from ownerbot.templates.loader import load_catalog
from ownerbot.tools.catalog import default_registry
from ownerbot.tools.runner import ToolRunner

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
OWNER = 1


class RecordingPipeline:
    def __init__(self) -> None:
        self.requests: list[ActionRequest] = []

    async def preview(self, request: ActionRequest) -> PreviewOutcome:
        self.requests.append(request)
        status = PreviewStatus.PREVIEW_ONLY if request.preview_only else PreviewStatus.READY
        return PreviewOutcome(status=status, action=request.action, correlation_id="c")


class NoTools:
    registry = default_registry()


async def test_preview_only_templates_ask_without_a_token(make_settings: Callable[..., Settings]) -> None:
    catalog = load_catalog()
    pipeline = RecordingPipeline()
    runner = TemplateRunner(
        settings=make_settings(),
        state=MemoryStateStore(),
        catalog=catalog,
        tool_runner=cast(ToolRunner, NoTools()),
        pipeline=cast(ActionPipeline, pipeline),
        clock=lambda: NOW,
    )
    question = catalog.get("PRC_FX_PREVIEW")
    apply = catalog.get("PRC_FX_AUTO")
    assert question is not None and question.preview_only
    assert apply is not None and not apply.preview_only and apply.tool == question.tool

    asked = await runner.run(question, {}, actor_id=OWNER, chat_id=OWNER, locale="ru")
    assert asked.kind is OutcomeKind.PREVIEW and asked.preview is not None
    assert asked.preview.status is PreviewStatus.PREVIEW_ONLY
    applied = await runner.run(apply, {}, actor_id=OWNER, chat_id=OWNER, locale="ru")
    assert applied.preview is not None and applied.preview.status is PreviewStatus.READY

    assert [(r.action, r.preview_only, r.channel) for r in pipeline.requests] == [
        ("sis_fx_reprice_auto", True, "template"),
        ("sis_fx_reprice_auto", False, "template"),
    ]
