"""Probation's (3RO) adapter: supervision events and ankle-tag alerts as CSV → signals.

`ADAPTER` is what `adapters.registry.adapter("3ro")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py). `3ro` is not
a Python identifier: this package is imported by name (`importlib.import_module("adapters.3ro")`),
and its modules import each other relatively.
"""

from __future__ import annotations

from adapters.exports import ExportAdapter

from .mapping import to_signals
from .native import ProbationRow, named_by_column, record_id

# Probation's export (CSV, one row per event) read into `ProbationRow`s, problems named by column.
ADAPTER = ExportAdapter("3ro", "text/csv", ProbationRow, record_id, to_signals, tidy=named_by_column)

__all__ = ["ADAPTER"]
