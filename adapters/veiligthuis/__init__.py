"""Veilig Thuis's adapter: the case system's registrations as CSV → signals.

`ADAPTER` is what `adapters.registry.adapter("veiligthuis")` returns; reading and mapping are pure,
the plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from typing import Any

from adapters.kit import Mapped, NativeRecord, read_csv_records
from adapters.veiligthuis.mapping import to_signals
from adapters.veiligthuis.native import RegistrationRow, record_id


class VeiligThuisAdapter:
    """Veilig Thuis's export (CSV, one row per event) read into `RegistrationRow`s and mapped."""

    org = "veiligthuis"
    media_type = "text/csv"
    suffix = ".csv"

    def read(self, raw: bytes) -> list[NativeRecord]:
        return read_csv_records(raw, RegistrationRow, record_id)

    def to_signals(self, native: Any) -> list[Mapped]:
        if not isinstance(native, RegistrationRow):
            raise TypeError(f"the Veilig Thuis adapter maps RegistrationRow, not {type(native).__name__}")
        return to_signals(native)


ADAPTER = VeiligThuisAdapter()

__all__ = ["ADAPTER", "VeiligThuisAdapter"]
