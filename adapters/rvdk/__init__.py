"""The Child Protection Board's (Raad voor de Kinderbescherming) adapter: inquiries and child
protection measures as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("rvdk")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.rvdk.mapping import to_signals
from adapters.rvdk.native import RvdkRecord, record_id

# The Board's export (one JSON object or an array) read into `RvdkRecord`s and mapped to signals.
ADAPTER = ExportAdapter("rvdk", "application/json", RvdkRecord, record_id, to_signals)

__all__ = ["ADAPTER"]
