"""The prosecution service's (OM) adapter: ZSM decisions and measures as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("om")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from typing import Any

from adapters.kit import Mapped, NativeRecord, read_json_records
from adapters.om.mapping import to_signals
from adapters.om.native import OmRecord, record_id


class OmAdapter:
    """The OM's export (one JSON object or an array) read into `OmRecord`s and mapped to signals."""

    org = "om"
    media_type = "application/json"
    suffix = ".json"

    def read(self, raw: bytes) -> list[NativeRecord]:
        return read_json_records(raw, OmRecord, record_id)

    def to_signals(self, native: Any) -> list[Mapped]:
        if not isinstance(native, OmRecord):
            raise TypeError(f"the OM adapter maps OmRecord, not {type(native).__name__}")
        return to_signals(native)


ADAPTER = OmAdapter()

__all__ = ["ADAPTER", "OmAdapter"]
