"""The safety house's (Zorg- en Veiligheidshuis) adapter: its process direction and case conferences
as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("zvh")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.zvh.mapping import to_signals
from adapters.zvh.native import ZvhRecord, record_id

# The safety house's export (one JSON object or an array) read into `ZvhRecord`s and mapped to signals.
ADAPTER = ExportAdapter("zvh", "application/json", ZvhRecord, record_id, to_signals)

__all__ = ["ADAPTER"]
