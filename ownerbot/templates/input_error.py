"""The error every input parser raises: which input, what was wrong, and what would fit (for the
re-ask)."""

from __future__ import annotations

from typing import Literal

from ownerbot.i18n import t
from ownerbot.templates.spec import ParserName

Problem = Literal["format", "range", "too_many", "too_long", "order", "unknown_key", "empty"]


class InputParseError(ValueError):
    """A raw answer that does not fit its input; `expected()` tells the owner what would."""

    def __init__(self, key: str, parser: ParserName, problem: Problem, **params: str) -> None:
        self.key = key
        self.parser = parser
        self.problem = problem
        self.params = params
        super().__init__(f"{key}: {problem}; expected {self.expected('en')}")

    def expected(self, locale: str) -> str:
        """A short sentence naming the expected form and range, e.g. «число от 1 до 95»."""
        params = dict(self.params)
        for name in ("min", "max"):
            if name in params and locale == "ru":
                params[name] = params[name].replace(".", ",")
        return t(f"parsers.expected.{self.parser.value}", locale, **params)
