"""A separate OS process that presses confirm through the real pipeline (run with `python -m`).

    python -m tests.integration.actions.worker confirm '<json args>'
        waits for `go_file`, fires `count` concurrent confirms of one token, writes the answers as JSON
    python -m tests.integration.actions.worker claim_and_hang '<json args>'
        confirms one token and, between the claim and the commit, writes `claimed_file` and blocks
        forever, so the test can SIGKILL it at exactly that point

Files, not sleeps, are the synchronisation: each wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from ownerbot.actions.outcomes import Claim, ConfirmPress
from ownerbot.actions.wiring import build_action_services
from ownerbot.config.settings import Settings
from ownerbot.services.audit_log import AuditLog
from ownerbot.storage.engine import create_engine_for_url, create_session_factory
from ownerbot.storage.repositories.audit import AuditRepository

WAIT_DEADLINE_SEC = 60.0
POLL_SEC = 0.01


async def _wait_for_file(path: Path) -> None:
    deadline = time.monotonic() + WAIT_DEADLINE_SEC
    while not await asyncio.to_thread(path.exists):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {WAIT_DEADLINE_SEC} s")
        await asyncio.sleep(POLL_SEC)


async def main(mode: str, args: dict[str, Any]) -> None:
    settings = Settings(
        _env_file=None,
        database_url=args["db_url"],
        owner_ids=[args["actor"]],
        ownerbot_data_dir=args["data_dir"],
    )
    engine = create_engine_for_url(args["db_url"])
    press = ConfirmPress(
        token_id=args["token"], actor_id=args["actor"], chat_id=args["chat"], message_id=args["message_id"]
    )
    try:
        audit = AuditLog(AuditRepository(create_session_factory(engine)))
        if mode == "confirm":
            services = build_action_services(settings, engine, audit, None)
            await asyncio.to_thread(Path(args["ready_file"]).touch)
            await _wait_for_file(Path(args["go_file"]))
            results = await asyncio.gather(
                *(services.pipeline.confirm_and_execute(press) for _ in range(args["count"]))
            )
            answers = [[d.status.value, o.status.value if o else None] for d, o in results]
            await asyncio.to_thread(Path(args["out_file"]).write_text, json.dumps(answers))
        elif mode == "claim_and_hang":

            async def hang(claim: Claim) -> None:
                await asyncio.to_thread(Path(args["claimed_file"]).write_text, claim.correlation_id)
                await asyncio.Event().wait()  # until SIGKILL

            services = build_action_services(settings, engine, audit, None, after_claim=hang)
            await services.pipeline.confirm_and_execute(press)
            raise SystemExit("the hook returned: the test expected to kill this process first")
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
