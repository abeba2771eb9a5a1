"""The HTTP side: the aiohttp app serving /bot<token>/<method> and file downloads, start/stop/restart."""

from __future__ import annotations

import logging
import re

from aiohttp import web

from ownerbot.playground.botapi.errors import ApiError
from ownerbot.playground.botapi.faults import Faults
from ownerbot.playground.botapi.json_types import dumps
from ownerbot.playground.botapi.methods import BotApiMethods
from ownerbot.playground.botapi.objects import bot_user_object
from ownerbot.playground.botapi.observer import ApiCall, CallObserver
from ownerbot.playground.botapi.params import read_params

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
MAX_UPLOAD_SIZE = 50 * 1024 * 1024


class ApiServer(BotApiMethods, CallObserver, Faults):
    """Serves the Bot API over HTTP; ``stop()`` closes the server but keeps all state."""

    def __init__(self) -> None:
        super().__init__()
        self.app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        self.app.router.add_route("GET", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_route("POST", "/bot{token}/{method}", self._handle_api)
        self.app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on ``host:port`` (0 = any free port); returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self._port = int(runner.addresses[0][1])
        log.info("Bot API emulator listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Stop the HTTP server; chats, pending updates and files are kept."""
        runner = self._runner
        if runner is None:
            return
        self._closing = True
        self._updates_changed.bump()
        self._history.bump()
        try:
            await runner.cleanup()
        finally:
            self._runner = None
            self._closing = False

    async def restart(self) -> str:
        """Stop (if running) and start again on the same host and port."""
        if self._port is None:
            raise RuntimeError("the emulator was never started")
        await self.stop()
        return await self.start(self._host, self._port)

    @property
    def running(self) -> bool:
        """True while the HTTP server is up."""
        return self._runner is not None

    @property
    def port(self) -> int:
        """The TCP port (fixed after the first start)."""
        if self._port is None:
            raise RuntimeError("the emulator was never started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port`` — pass it to ``TelegramAPIServer.from_base``."""
        return f"http://{self._host}:{self.port}"

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        call = ApiCall(method=entry[0] if entry else name, params={})
        try:
            if not TOKEN_RE.match(token):
                raise ApiError(401, "Unauthorized")
            self._bot_user = bot_user_object(int(token.split(":", 1)[0]))
            params, uploads = await read_params(request)
            call.params = params
            for key, upload in uploads.items():
                call.params[key] = {
                    "file_name": upload.filename,
                    "content_type": upload.content_type,
                    "size": len(upload.data),
                }
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            self._raise_injected_failure(entry[0])
            call.result = await entry[1](params, uploads)
        except ApiError as exc:
            error: ApiError | None = exc
        except Exception:
            log.exception("Bot API emulator failed on %s", call.method)
            error = ApiError(500, "Internal Server Error")
        else:
            error = None
        if error is not None:
            call.error, call.error_code = error.description, error.status
        await self._record(call)
        if error is not None:
            return _error_response(error)
        return web.json_response({"ok": True, "result": call.result}, dumps=dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if not TOKEN_RE.match(request.match_info["token"]):
            return _error_response(ApiError(401, "Unauthorized"))
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status, dumps=dumps)
