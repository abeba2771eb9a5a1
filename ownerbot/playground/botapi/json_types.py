"""JSON as the emulator speaks it: the object alias and the encoder for its answers."""

from __future__ import annotations

import functools
import json
from typing import Any

JsonDict = dict[str, Any]

dumps = functools.partial(json.dumps, ensure_ascii=False)
