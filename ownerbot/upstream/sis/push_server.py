"""Signed SIS event push: `POST /ownerbot/v1/sis/events` (one envelope or a list), aiohttp.

Enabled only when `SIS_EVENTS_PUSH_SECRET` and `SIS_EVENTS_PUSH_LISTEN` are both set. The body is
authenticated by `X-SIS-Signature`: the hex HMAC-SHA256 of the raw body under the secret (a `sha256=`
prefix is accepted), compared in constant time before the body is even parsed.

Answers: 200 `{received, stored, duplicates, ignored}`; 401 missing/bad signature; 400 naming the bad
field (`events[1].occurred_at: ...`); 413 body over `MAX_BODY_BYTES`; 503 when storing failed (SIS
retries; dedupe makes the retry safe). Never a 500, never the secret in a log line or an answer.
A replayed body only redelivers events already stored, which dedupe ignores.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import asdict
from typing import Any

from aiohttp import web

from ownerbot.upstream.sis.events import EventFieldError, EventSink

log = logging.getLogger(__name__)

PUSH_PATH = "/ownerbot/v1/sis/events"
SIGNATURE_HEADER = "X-SIS-Signature"
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_EVENTS_PER_PUSH = 5000
_SINK_KEY = web.AppKey("sis_event_sink", EventSink)
_SECRET_KEY = web.AppKey("sis_push_secret", bytes)


def sign(secret: str | bytes, body: bytes) -> str:
    """The signature SIS sends for `body` (hex, without prefix)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Constant-time check of `X-SIS-Signature` (hex, optional `sha256=` prefix, any case)."""
    if not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[len("sha256=") :]
    return hmac.compare_digest(given.lower().encode(), sign(secret, body).encode())


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[::1]:8081`) → (host, port); raises ValueError naming the problem."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError("expected host:port")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError("port out of range")
    host = host.strip("[]") or "0.0.0.0"
    return host, port


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _error(status: int, code: str, detail: str) -> web.Response:
    return web.json_response({"ok": False, "error": {"code": code, "message": detail}}, status=status)


async def receive_events(request: web.Request) -> web.Response:
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "PAYLOAD_TOO_LARGE", f"body larger than {MAX_BODY_BYTES} bytes")
    if not signature_valid(request.app[_SECRET_KEY], body, request.headers.get(SIGNATURE_HEADER)):
        log.warning("sis_push_signature_refused", extra={"present": SIGNATURE_HEADER in request.headers})
        return _error(
            401, "SIGNATURE_INVALID", f"{SIGNATURE_HEADER}: missing or not the HMAC-SHA256 of the body"
        )
    try:
        parsed: Any = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "VALIDATION_ERROR", "body: not JSON (NaN and Infinity are not JSON either)")
    if b"\\u0000" in body:  # PostgreSQL's JSONB cannot hold NUL: say so instead of failing to store
        return _error(400, "VALIDATION_ERROR", "body: contains a NUL character (\\u0000)")
    if isinstance(parsed, dict) and isinstance(parsed.get("events"), list):
        raw_events: list[Any] = parsed["events"]  # the feed's page shape is accepted too
    elif isinstance(parsed, dict):
        raw_events = [parsed]
    elif isinstance(parsed, list):
        raw_events = parsed
    else:
        return _error(400, "VALIDATION_ERROR", "body: expected an event object or a list of events")
    if not raw_events:
        return _error(400, "VALIDATION_ERROR", "body: no events")
    if len(raw_events) > MAX_EVENTS_PER_PUSH:
        return _error(400, "VALIDATION_ERROR", f"body: more than {MAX_EVENTS_PER_PUSH} events")
    try:
        report = await request.app[_SINK_KEY].accept(raw_events, channel="push", strict=True)
    except EventFieldError as error:
        field = error.field
        if isinstance(parsed, dict) and "events" not in parsed:  # a single event: name its field plainly
            field = field.removeprefix("events[0].")
        return _error(400, "VALIDATION_ERROR", f"{field}: {error.problem}")
    except Exception as exc:  # storage down: the sender retries later, dedupe keeps it safe
        log.error("sis_push_store_failed", extra={"error": type(exc).__name__})
        return _error(503, "UNAVAILABLE", "events could not be stored, retry later")
    log.info("sis_events_pushed", extra={"stored": report.stored, "duplicates": report.duplicates})
    return web.json_response({"ok": True, **asdict(report)})


@web.middleware
async def _never_500(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException:
        raise
    except Exception as exc:
        log.error("sis_push_unexpected", extra={"error": type(exc).__name__})
        return _error(503, "UNAVAILABLE", "retry later")


def build_push_app(sink: EventSink, secret: str) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_never_500])
    app[_SINK_KEY] = sink
    app[_SECRET_KEY] = secret.encode()
    app.router.add_post(PUSH_PATH, receive_events)
    return app


class PushServer:
    """The push endpoint on its own listen address; `start()` then `stop()`."""

    def __init__(self, sink: EventSink, secret: str, listen: str) -> None:
        self._app = build_push_app(sink, secret)
        self._host, self._port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        addresses = self._runner.addresses if self._runner is not None else []
        return int(addresses[0][1]) if addresses else self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        log.info("sis_push_listening", extra={"host": self._host, "port": self.port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
