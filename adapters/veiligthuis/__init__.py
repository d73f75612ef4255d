"""Veilig Thuis's adapter: case registrations as CSV → signals.

`ADAPTER` is what `adapters.registry.adapter("veiligthuis")` returns; reading and mapping are
pure, the plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.veiligthuis.mapping import to_signals
from adapters.veiligthuis.native import RegistrationRow, record_id

# Veilig Thuis's export (CSV, one row per event) read into `RegistrationRow`s and mapped.
ADAPTER = ExportAdapter("veiligthuis", "text/csv", RegistrationRow, record_id, to_signals)

__all__ = ["ADAPTER"]
