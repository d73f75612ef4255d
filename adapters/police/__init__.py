"""The police's adapter: incident registrations and their mutations as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("police")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from typing import Any

from adapters.kit import Mapped, NativeRecord, read_json_records
from adapters.police.mapping import to_signals
from adapters.police.native import PoliceMutation, record_id


class PoliceAdapter:
    """The police's export (one JSON object or an array) read into `PoliceMutation`s and mapped."""

    org = "police"
    media_type = "application/json"
    suffix = ".json"

    def read(self, raw: bytes) -> list[NativeRecord]:
        return read_json_records(raw, PoliceMutation, record_id)

    def to_signals(self, native: Any) -> list[Mapped]:
        if not isinstance(native, PoliceMutation):
            raise TypeError(f"the police adapter maps PoliceMutation, not {type(native).__name__}")
        return to_signals(native.root)


ADAPTER = PoliceAdapter()

__all__ = ["ADAPTER", "PoliceAdapter"]
