"""The police's adapter: incident registrations and their mutations as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("police")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.police.mapping import to_signals
from adapters.police.native import PoliceMutation, record_id

# The police's export (one JSON object or an array) read into `PoliceMutation`s and mapped.
ADAPTER = ExportAdapter(
    "police", "application/json", PoliceMutation, record_id, lambda mutation: to_signals(mutation.root)
)

__all__ = ["ADAPTER"]
