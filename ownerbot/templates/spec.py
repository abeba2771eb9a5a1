"""The template contract (`TEMPLATES.md`): one business operation as data, loaded from `defs/*.yaml`.

A `TemplateSpec` says which tool to call with which preset payload, which inputs to ask for (each with a
parser), how to confirm and how to render. Menus, the generic runner, free text and (later) voice and the
LLM planner all read these specs; none of them hard-codes an operation.

Texts: the YAML holds the Russian default (`title`, `button`, input `prompt`, preset `label`); English
lives in `templates/locales/en.yaml` under `<ID>.title`, `<ID>.button`, `<ID>.inputs.<key>` and
`<ID>.presets.<key>.<n>` (checked at start-up, see `loader.py`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Template ids are used in callback data (≤ 64 bytes with the prefix), audit rows and phrase tables.
ID_PATTERN = r"^[A-Z][A-Z0-9_]{2,39}$"
# 48 characters a part: SIS settings keys such as `reprice_schedule_notify_on_success` (34) are input keys.
INPUT_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,47}(\.[a-z][a-z0-9_]{0,47})?$"
# Runner built-ins: operations of the bot itself rather than of the business (Advanced and Systems
# sections). They are listed here so the catalog check can reject an unknown one.
BUILTIN_PREFIX = "builtin:"
BUILTINS: frozenset[str] = frozenset(
    {
        "builtin:export_json",  # the last report's raw tool answer as a JSON document
        "builtin:export_csv",  # the last list as CSV
        "builtin:replay_last",  # run the last template again with the same inputs
        "builtin:raw_tool_call",  # tool name + JSON payload; reads run, actions preview
        "builtin:upstream_mode",  # view and (when enabled) switch DEMO / SIS_HTTP / AUTO
    }
)


class Category(StrEnum):
    """Menu sections, in the order of the top-level menu."""

    REPORTS = "reports"
    ORDERS = "orders"
    PRICES = "prices"
    DISCOUNTS = "discounts"
    PRODUCTS = "products"
    LOOKS = "looks"
    TEAM = "team"
    FORECAST = "forecast"
    NOTIFICATIONS = "notifications"
    SYSTEMS = "systems"
    ADVANCED = "advanced"


class TemplateKind(StrEnum):
    REPORT = "report"
    ACTION = "action"


class ConfirmPolicy(StrEnum):
    NONE = "none"  # reports
    IF_NEEDED = "if_needed"  # skip the confirm when the preview is a no-op
    ALWAYS = "always"


class RenderMode(StrEnum):
    TEXT = "text"
    TABLE = "table"
    PNG = "png"
    PDF = "pdf"
    JSON = "json"


class ReportArtifactKind(StrEnum):
    """Which renderer of `ownerbot/reports/` draws a `png`/`pdf` template (same names as ReportKind)."""

    TREND = "trend"
    DASHBOARD = "dashboard"
    FUNNEL = "funnel"
    ACCESS = "access"
    WEEKLY = "weekly"
    OPS = "ops"


class ParserName(StrEnum):
    INT = "int"
    DECIMAL = "decimal"
    PERCENT = "percent"
    IDS = "ids"
    DATE = "date"
    DATE_RANGE = "date_range"
    PHONE = "phone"
    TEXT = "text"
    CHOICE = "choice"
    BOOL = "bool"
    TIME_LOCAL = "time_local"
    TIMEZONE = "timezone"
    KV = "kv"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParserOptions(_Spec):
    """Arguments of a parser; which ones apply depends on the parser (checked in `loader.py`)."""

    min: float | None = None  # int / decimal / percent: inclusive lower bound
    max: float | None = None  # int / decimal / percent: inclusive upper bound
    max_len: int | None = Field(default=None, ge=1, le=4000)  # text
    choices: tuple[str, ...] = ()  # choice: allowed values (lower-case ids)
    keys: tuple[str, ...] = ()  # kv: whitelisted keys
    max_items: int | None = Field(default=None, ge=1, le=1000)  # ids: longest list accepted
    max_days: int | None = Field(default=None, ge=1, le=3660)  # date_range: longest span


class Preset(_Spec):
    """A ready answer offered as a button: `value` is the raw text fed to the parser."""

    value: str
    label: str | None = None  # Russian button text; the raw value when absent


class InputSpec(_Spec):
    """One step of the input dialogue. `key` is where the parsed value goes in the payload (one dot
    allowed for a nested key, e.g. `updates.min_rate_delta_percent`); a `date_range` input writes its
    two ends to `into` (e.g. `[a_start, a_end]`)."""

    key: str = Field(pattern=INPUT_KEY_PATTERN)
    prompt: str = Field(min_length=1, max_length=500)
    parser: ParserName
    options: ParserOptions = ParserOptions()
    presets: tuple[Preset, ...] = Field(default=(), max_length=8)
    default: str | None = None  # raw text used when the owner presses «по умолчанию»
    optional: bool = False  # may be skipped: the key is left out of the payload
    into: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _into_only_for_ranges(self) -> InputSpec:
        if self.into is not None and self.parser is not ParserName.DATE_RANGE:
            raise ValueError("`into` applies to the date_range parser only")
        return self


class TemplateSpec(_Spec):
    """One catalog entry (fields as in `TEMPLATES.md`)."""

    id: str = Field(pattern=ID_PATTERN)
    category: Category
    title: str = Field(min_length=1, max_length=120)
    button: str = Field(min_length=1, max_length=40)
    intent_aliases: tuple[str, ...] = ()
    # Regular expressions tried by the free-text router; named groups fill inputs of the same key.
    patterns: tuple[str, ...] = ()
    kind: TemplateKind
    tool: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    inputs: tuple[InputSpec, ...] = ()
    confirm: ConfirmPolicy = ConfirmPolicy.NONE
    render: RenderMode = RenderMode.TEXT
    # png/pdf templates name the renderer; text/table/json ones leave it empty.
    report: ReportArtifactKind | None = None
    order: int = Field(default=100, ge=0, le=10_000)
    # Capabilities or settings needed: `sis:<family>` (fx, prices_bump, prices_rollback, discounts,
    # products_publish, looks_publish) or `manager_chats`. Unmet → the button is shown disabled.
    requires: tuple[str, ...] = ()
    # List answers are shown page by page (◀️ ▶️) from the stored answer, without a new query.
    paginate: bool = False
    # Actions only: show the preview (what would change) and stop, with no confirm button — a question
    # such as «нужно ли обновлять цены?» (PRC_FX_PREVIEW) asked of the same tool that applies.
    preview_only: bool = False

    @property
    def is_builtin(self) -> bool:
        return self.tool.startswith(BUILTIN_PREFIX)

    @field_validator("requires")
    @classmethod
    def _known_requirements(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if item != "manager_chats" and not item.startswith("sis:"):
                raise ValueError(f"unknown requirement {item!r}: use sis:<family> or manager_chats")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TemplateSpec:
        if self.kind is TemplateKind.REPORT and self.confirm is not ConfirmPolicy.NONE:
            raise ValueError("a report template has confirm: none")
        if self.kind is TemplateKind.ACTION and self.confirm is ConfirmPolicy.NONE:
            raise ValueError("an action template needs confirm: if_needed or always")
        if self.preview_only and self.kind is not TemplateKind.ACTION:
            raise ValueError("`preview_only` applies to action templates only")
        if self.render in (RenderMode.PNG, RenderMode.PDF) and self.report is None:
            raise ValueError("png/pdf templates name their renderer in `report`")
        if self.render not in (RenderMode.PNG, RenderMode.PDF) and self.report is not None:
            raise ValueError("`report` applies to png/pdf templates only")
        keys = [i.key for i in self.inputs]
        if len(keys) != len(set(keys)):
            raise ValueError("input keys repeat")
        return self
