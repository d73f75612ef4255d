"""The fictional example of every signal type (`docs/examples/<signal>.json`), read in one place.

The contracts guide, the demo, the privacy officer's tools and the tests all start from these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from gateway.schemas import CATALOGUE, Envelope, Signal
from gateway.schemas.envelope import REQUIRED_HEADERS

EXAMPLES_DIR = Path(__file__).parents[2] / "docs" / "examples"


@dataclass(frozen=True)
class Example:
    name: str
    ce: dict[str, Any]
    data: dict[str, Any]

    @property
    def message(self) -> dict[str, Any]:
        """As `ketenpoort validate` and `decide` read it: `{"ce": ..., "data": ...}`."""
        return {"ce": self.ce, "data": self.data}

    @cached_property
    def envelope(self) -> Envelope:
        names = {
            name.removeprefix("ce_") if name != "traceparent" else name: name for name in REQUIRED_HEADERS
        }
        return Envelope.from_headers([(names[key], str(value).encode()) for key, value in self.ce.items()])

    @property
    def sender(self) -> str:
        """The organisation that sends this kind of signal (from `ce.source`)."""
        return self.envelope.org

    @cached_property
    def signal(self) -> Signal:
        return CATALOGUE[self.name].model_validate(self.data)


def example(name: str) -> Example:
    loaded = json.loads((EXAMPLES_DIR / f"{name}.json").read_text())
    return Example(name, loaded["ce"], loaded["data"])


def examples() -> list[Example]:
    """One per catalogue type, in name order."""
    return [example(name) for name in sorted(CATALOGUE)]
