"""50 confirms of one token from 2 OS processes on the real PostgreSQL: exactly one commit."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ownerbot.actions.outcomes import ActionRequest, PreviewStatus
from ownerbot.actions.wiring import build_action_services
from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.migrate import upgrade
from ownerbot.storage.repositories.audit import AuditRepository
from tests.integration.actions.support import execution_statuses, note_count, seed_orders

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

REPO_ROOT = Path(__file__).resolve().parents[3]
OWNER = 5550001
PROCESSES = 2
PER_PROCESS = 25
DEADLINE_SEC = 120.0


async def _wait_for_files(paths: list[Path], procs: list[asyncio.subprocess.Process]) -> None:
    deadline = time.monotonic() + DEADLINE_SEC
    while not all(p.exists() for p in paths):
        dead = [proc for proc in procs if proc.returncode is not None]
        assert not dead, "a worker exited before it was ready"
        assert time.monotonic() < deadline, "workers did not get ready in time"
        await asyncio.sleep(0.02)


async def test_fifty_confirms_from_two_processes_commit_once(pg_url: str, tmp_path: Path) -> None:
    await upgrade(pg_url)
    engine = create_engine_for_url(pg_url)
    try:
        session_factory = create_session_factory(engine)
        [order] = await seed_orders(session_factory, 1)
        settings = Settings(
            _env_file=None, database_url=pg_url, owner_ids=[OWNER], ownerbot_data_dir=tmp_path
        )
        audit = AuditRepository(session_factory)
        services = build_action_services(settings, engine, AuditLog(audit), None)
        preview = await services.pipeline.preview(
            ActionRequest(
                action="order_note",
                payload={"order_id": order, "text": "одна"},
                actor_id=OWNER,
                chat_id=OWNER,
            )
        )
        assert preview.status is PreviewStatus.READY and preview.token_id is not None
        await services.pipeline.attach_message(preview.token_id, 42)

        go = tmp_path / "go"
        procs, ready, outs = [], [], []
        for n in range(PROCESSES):
            args: dict[str, Any] = {
                "db_url": pg_url,
                "data_dir": str(tmp_path),
                "token": preview.token_id,
                "actor": OWNER,
                "chat": OWNER,
                "message_id": 42,
                "count": PER_PROCESS,
                "ready_file": str(tmp_path / f"ready-{n}"),
                "go_file": str(go),
                "out_file": str(tmp_path / f"out-{n}.json"),
            }
            ready.append(Path(args["ready_file"]))
            outs.append(Path(args["out_file"]))
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.integration.actions.worker",
                    "confirm",
                    json.dumps(args),
                    cwd=REPO_ROOT,
                )
            )
        try:
            await _wait_for_files(ready, procs)
            go.touch()  # both processes fire their 25 confirms at once
            codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), timeout=DEADLINE_SEC)
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        assert codes == [0] * PROCESSES

        answers = [tuple(a) for out in outs for a in json.loads(out.read_text())]
        assert len(answers) == PROCESSES * PER_PROCESS
        counts = Counter(answers)
        assert counts[("claimed", "committed")] == 1, counts
        assert set(counts) - {("claimed", "committed")} <= {("in_progress", None), ("already_done", None)}, (
            counts
        )
        # Side effects, not log lines: one note row, one execution, one commit audit row.
        assert await note_count(session_factory, order) == 1
        assert await execution_statuses(session_factory) == ["committed"]
        assert await audit.count(event_type="ACTION_COMMIT") == 1
        assert await audit.count(event_type="ACTION_TAMPER") == 0
    finally:
        await engine.dispose()
