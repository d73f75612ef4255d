"""The prosecution service's (OM) adapter: ZSM decisions and measures as JSON → signals.

`ADAPTER` is what `adapters.registry.adapter("om")` returns; reading and mapping are pure, the
plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.om.mapping import to_signals
from adapters.om.native import OmRecord, record_id

# The OM's export (one JSON object or an array) read into `OmRecord`s and mapped to signals.
ADAPTER = ExportAdapter("om", "application/json", OmRecord, record_id, to_signals)

__all__ = ["ADAPTER"]
