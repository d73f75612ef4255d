"""Probation's (3RO) adapter: supervision events and ankle-tag alerts as CSV → signals.

`ADAPTER` is what `adapters.registry.adapter("3ro")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py). `3ro` is not
a Python identifier: this package is imported by name (`importlib.import_module("adapters.3ro")`),
and its modules import each other relatively.
"""

from __future__ import annotations

from typing import Any

from adapters.kit import Mapped, NativeRecord, read_csv_records

from .mapping import to_signals
from .native import ProbationRow, named_by_column, record_id


class ProbationAdapter:
    """Probation's export (CSV, one row per event) read into `ProbationRow`s and mapped to signals."""

    org = "3ro"
    media_type = "text/csv"
    suffix = ".csv"

    def read(self, raw: bytes) -> list[NativeRecord]:
        return [named_by_column(record) for record in read_csv_records(raw, ProbationRow, record_id)]

    def to_signals(self, native: Any) -> list[Mapped]:
        if not isinstance(native, ProbationRow):
            raise TypeError(f"the 3RO adapter maps ProbationRow, not {type(native).__name__}")
        return to_signals(native)


ADAPTER = ProbationAdapter()

__all__ = ["ADAPTER", "ProbationAdapter"]
