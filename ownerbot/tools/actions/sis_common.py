"""What the SIS catalog action tools share: the catalog seam, error mapping, owner texts, examples.

The tools reach the catalog only through `ctx.deps.catalog` (`upstream/catalog.py: CatalogActions`):
the DEMO tables in DEMO mode, SIS later. Typed catalog failures become the stable error codes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from ownerbot.actions.contract import MAX_EXAMPLES, ActionContext, ActionExample, ForceRequired
from ownerbot.actions.outcomes import OutcomeUnknown
from ownerbot.tools.contract import ErrorCode, ToolFailure
from ownerbot.upstream.catalog import (
    CatalogActions,
    CatalogError,
    CatalogForceRequired,
    CatalogOutcomeUnknown,
    PriceChange,
    StateChange,
)

_WARNINGS: dict[str, tuple[str, str]] = {
    "NO_ROLLBACK_DATA": ("Нет данных для отката.", "No rollback data."),
    "MISSING_PRICE_SKIPPED": ("Без цены, пропущено: {n}.", "Without a price, skipped: {n}."),
    "COUPONS_DISABLED": ("Будут отключены активные купоны: {n}.", "Active coupons to be disabled: {n}."),
    "COMPARE_AT_CLEARED": (
        "Скидки (старая цена) будут сняты: {n}.",
        "Discounts (compare-at) to be cleared: {n}.",
    ),
    "UNKNOWN_IDS": ("Не найдены id: {n}.", "Unknown ids: {n}."),
    "CHANGED_SINCE_REPRICE": (
        "Изменены после переоценки (откат их перезапишет): {n}.",
        "Changed since the reprice (rollback overwrites them): {n}.",
    ),
    "SNAPSHOT_NOT_REFRESHED": (
        "Курс в DEMO не обновляется: взят последний снимок.",
        "DEMO does not refresh rates: the latest snapshot is used.",
    ),
}

# The hint after a committed reprice (manual or automatic), (Russian, English).
FX_ROLLBACK_HINT = ("Откат: sis_fx_rollback (кнопка ↩️).", "Rollback: sis_fx_rollback (↩️).")


def tr(locale: str, ru: str, en: str) -> str:
    """The Russian or English text for the owner's locale."""
    return ru if locale.lower().startswith("ru") else en


def catalog_of(ctx: ActionContext) -> CatalogActions:
    """The shop's catalog operations, or NOT_SUPPORTED when this process has none (SIS not connected)."""
    if ctx.deps.catalog is None:
        raise ToolFailure(ErrorCode.NOT_SUPPORTED, "Catalog actions are not available in this mode yet.")
    return ctx.deps.catalog


@contextmanager
def catalog_errors() -> Iterator[None]:
    """Typed catalog failures → `ForceRequired` (anomaly, 409) or `ToolFailure` with the stable code."""
    try:
        yield
    except CatalogForceRequired as exc:
        raise ForceRequired(exc.message) from exc
    except CatalogOutcomeUnknown as exc:
        raise OutcomeUnknown(ErrorCode(exc.code), exc.message) from exc
    except CatalogError as exc:
        try:
            code = ErrorCode(exc.code)
        except ValueError:
            code = ErrorCode.VALIDATION_ERROR
        raise ToolFailure(code, exc.message, exc.details) from exc


def warning_texts(codes: Sequence[str], locale: str) -> list[str]:
    """Owner texts for the catalog's warning codes (`CODE` or `CODE:n`); unknown codes stay as they are."""
    out = []
    for code in codes:
        name, _, value = code.partition(":")
        texts = _WARNINGS.get(name)
        out.append(tr(locale, *texts).format(n=value) if texts else code)
    return out


def money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{value} {currency}"


def _target(item_id: int, name: str | None) -> str:
    text = f"#{item_id} {name}" if name else f"#{item_id}"
    return text[:200]


def price_examples(changes: Sequence[PriceChange], currency: str) -> list[ActionExample]:
    """Before → after (with the change in percent) for the first five changes."""
    examples = []
    for change in changes[:MAX_EXAMPLES]:
        after = money(change.after, currency)
        if change.delta_pct is not None:
            after += f" ({change.delta_pct:+}%)"
        examples.append(
            ActionExample(
                target=_target(change.id, change.name), before=money(change.before, currency), after=after
            )
        )
    return examples


def state_examples(changes: Sequence[StateChange]) -> list[ActionExample]:
    return [
        ActionExample(target=_target(c.id, c.name), before=c.before[:400], after=c.after[:400])
        for c in changes[:MAX_EXAMPLES]
    ]
