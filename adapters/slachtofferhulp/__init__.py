"""Victim support's (Slachtofferhulp Nederland) adapter: registrations in a victim's file as JSON →
signals.

`ADAPTER` is what `adapters.registry.adapter("slachtofferhulp")` returns; reading and mapping are
pure, the plumbing that sends and delivers is shared (adapters/ingest.py, adapters/delivery.py).
"""

from __future__ import annotations

from adapters.exports import ExportAdapter
from adapters.slachtofferhulp.mapping import to_signals
from adapters.slachtofferhulp.native import VictimSupportRegistration, record_id

# Victim support's export (one JSON object or an array) read into registrations and mapped.
ADAPTER = ExportAdapter(
    "slachtofferhulp",
    "application/json",
    VictimSupportRegistration,
    record_id,
    lambda registration: to_signals(registration.root),
)

__all__ = ["ADAPTER"]
