"""Builds the aiogram Dispatcher: FSM storage, middlewares on every update, routers in order."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from ownerbot.bot.context import BotServices
from ownerbot.bot.middlewares.correlation import CorrelationMiddleware
from ownerbot.bot.middlewares.error_guard import ErrorGuardMiddleware
from ownerbot.bot.middlewares.owner_gate import OwnerGateMiddleware
from ownerbot.bot.routers import actions, fallback, home, shadow, systems, upstream
from ownerbot.bot.routers import reports as reports_router
from ownerbot.bot.routers import templates as templates_router


def build_dispatcher(services: BotServices, fsm_storage: BaseStorage) -> Dispatcher:
    """Outer middlewares see every update: correlation id first, then the owner gate, then the error guard."""
    dp = Dispatcher(storage=fsm_storage, services=services)
    dp.update.outer_middleware(CorrelationMiddleware())
    dp.update.outer_middleware(OwnerGateMiddleware())
    dp.update.outer_middleware(ErrorGuardMiddleware())
    dp.include_routers(
        home.build_router(),
        systems.build_router(),
        actions.build_router(),  # ACTION pipeline commands and buttons; before the catch-all fallback
        reports_router.build_router(),  # /trend /dashboard /weekly_pdf /ops_pdf /funnel_png /access_png
        upstream.build_router(),  # /upstream: DEMO / SIS_HTTP / AUTO switch
        shadow.build_router(),  # /shadow_check: DEMO vs SIS
        # Template menus, inputs and free text; its text handler must come after every command router.
        templates_router.build_router(),
        fallback.build_router(),
    )
    return dp
