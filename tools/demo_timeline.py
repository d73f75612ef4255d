"""What `ketenpoort demo` shows of the case timeline: the police's timeline of the scenario's suspect,
as `POST /timeline` answers it (docs/timeline.md), built from the topics by the gateway's read model
and recorded in the log of reads like every read."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from gateway.audit.reads import AuditReadLog, ReadNotRecorded
from gateway.pseudonyms import pseudonym_of_bsn
from gateway.schemas.audit_read import AuditRead
from gateway.settings import Settings
from gateway.timeline.api import answer
from gateway.timeline.feed import UNAVAILABLE, TimelineFeed
from tools.stack import Endpoints

VIEWER = "police"
LOCAL = ZoneInfo("Europe/Amsterdam")
NOT_PROVISIONED = (
    "a stack started before the gateway could read the inboxes needs `ketenpoort access provision`"
)


async def police_timeline(
    settings: Settings, where: Endpoints, originals: dict[str, dict[str, Any]]
) -> Table:
    """The police's timeline of the suspect of the signals sent (`originals`, by signal id), showing
    this run's entries: what they sent, what they received and how much of it, their alerts and the
    obligations they own or were told of."""
    key = settings.pseudonym_key.get_secret_value().encode()
    bsn = next(
        body["suspect"]["bsn"] for body in originals.values() if (body.get("suspect") or {}).get("bsn")
    )
    subject = pseudonym_of_bsn(bsn, key)
    kafka = where.kafka("gateway")
    with tempfile.TemporaryDirectory(prefix="ketenpoort-demo-timeline-") as store_dir:
        feed = TimelineFeed(kafka, Path(store_dir), key, "demo")
        try:
            async with feed.current() as store, AuditReadLog(kafka) as reads:
                read = AuditRead(reader="ketenpoort demo", role="gateway", channel="cli", query="timeline",
                                 subject=subject, org=VIEWER)  # fmt: skip
                await reads.record(read)
                shown = answer(store, VIEWER, (subject, "bsn"), "timeline", key, datetime.now(UTC).date())
        except (*UNAVAILABLE, ReadNotRecorded) as error:
            why = f"The police's timeline could not be read ({type(error).__name__}): {NOT_PROVISIONED}"
            return Table(title=why)
        finally:
            await feed.close()
    linked = ", ".join(f"{p.get('given_name', '?')} ({'/'.join(p['roles'])})" for p in shown["linked"])
    view = Table(
        title="The police's timeline of the suspect (POST /timeline, docs/timeline.md)",
        caption=f"Persons the police may open from it: {linked or 'none'}. The read is in the log of reads.",
    )
    for column in ("when (Amsterdam)", "what", "signal", "from", "as received, or where it stands"):
        view.add_column(column)
    for entry in shown["entries"]:
        if entry["signal_id"] not in originals:
            continue  # an earlier run's, on a stack that ran the demo before
        at = datetime.fromisoformat(entry["at"]).astimezone(LOCAL).strftime("%m-%d %H:%M:%S")
        view.add_row(at, entry["kind"], entry["signal_type"] or "-", entry["from"], _stands(entry))
    return view


def _stands(entry: dict[str, Any]) -> str:
    if entry["kind"] == "obligation":
        obligation = entry["obligation"]
        return f"{obligation['kind']} by {obligation['owner']}: {obligation['status']}"
    if entry["kind"] == "alert":
        return f"{entry['alert']['priority']} alert, {entry['alert']['status']}"
    if entry["kind"] == "sent":
        return "whole, as sent"
    delivery = entry["delivery"]
    return f"{delivery['level']}, {delivery['urgency']} ({len(delivery['fields'])} fields granted)"
