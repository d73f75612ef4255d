"""The measures and conditions that apply to a person today, as one viewer knows them: what an
officer on the street needs in one look. Pure: the viewer's timeline in, the measures out.

Built only from the measure signals in the viewer's timeline (`measure_imposed`, `_extended`,
`_ended`: the prosecution service's measures, and the police's own *huisverbod* and civil bans),
each as the viewer sent or received it, so a field the viewer was not granted is not known here
either. A signal carries no measure id: an extension or end belongs to the measure of the same kind
from the same sender that is not ended yet (the one whose end date the extension names, where the
viewer sees it); an extension or end of a measure the viewer never saw imposed stands for that
measure on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

MEASURE_SIGNALS = ("measure_imposed", "measure_extended", "measure_ended")
STATUS_ORDER = ("in_force", "not_yet", "lapsed", "ended")
"""in_force: applies today; not_yet: starts later; lapsed: its end date passed with no extension;
ended: its sender said it ended."""


@dataclass
class Measure:
    id: str
    kind: str | None
    imposed_by: str
    roles: list[str]
    starts_on: date | None = None
    ends_on: date | None = None
    ended: bool = False
    ended_on: date | None = None
    end_reason: str | None = None
    conditions: list[dict[str, Any]] = field(default_factory=list)
    contact: dict[str, Any] | None = None
    signals: list[str] = field(default_factory=list)
    updated_at: str = ""

    def status(self, today: date) -> str:
        if self.ended:
            return "ended"
        if self.ends_on is not None and self.ends_on < today:
            return "lapsed"
        if self.starts_on is not None and self.starts_on > today:
            return "not_yet"
        return "in_force"

    def shown(self, today: date) -> dict[str, Any]:
        conditions = [
            {
                "kind": c.get("kind"),
                "description": c.get("description"),
                "ends_on": c.get("ends_on"),
                "lapsed": (ends := _day(c.get("ends_on"))) is not None and ends < today,
            }
            for c in self.conditions
        ]
        return {
            "measure": self.id,
            "kind": self.kind,
            "status": self.status(today),
            "as": self.roles,
            "imposed_by": self.imposed_by,
            "starts_on": _iso(self.starts_on),
            "ends_on": _iso(self.ends_on),
            "ended_on": _iso(self.ended_on),
            "end_reason": self.end_reason,
            "conditions": conditions,
            "area": [c["description"] for c in conditions if c["kind"] == "area_ban" and c["description"]],
            "contact": self.contact,
            "signals": self.signals,
            "updated_at": self.updated_at,
        }


def measures(entries: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Every measure in the timeline (its entries oldest first), in force first, then those still
    to start, lapsed and ended; each with its conditions, each condition marked lapsed where its own
    end date passed."""
    found: list[Measure] = []
    for entry in entries:
        if entry["kind"] not in ("sent", "received") or entry["signal_type"] not in MEASURE_SIGNALS:
            continue
        body: dict[str, Any] = entry["body"] or {}
        measure = _measure_of(found, entry, body)
        measure.signals.append(entry["signal_id"])
        measure.updated_at = entry["at"]
        measure.roles = sorted({*measure.roles, *entry["as"]})
        if isinstance(body.get("contact"), dict):
            measure.contact = body["contact"]
        conditions = [c for c in body.get("conditions") or [] if isinstance(c, dict)]
        if conditions or entry["signal_type"] == "measure_imposed":  # an extension may restate them
            measure.conditions = conditions
        if entry["signal_type"] == "measure_imposed":
            measure.starts_on = _day(body.get("starts_on"))
        if entry["signal_type"] in ("measure_imposed", "measure_extended"):
            measure.ends_on = _day(body.get("ends_on"))
        else:
            measure.ended, measure.ended_on = True, _day(body.get("ended_on"))
            measure.end_reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    shown = [measure.shown(today) for measure in found]
    return sorted(shown, key=lambda m: (STATUS_ORDER.index(m["status"]), m["ends_on"] or "9999-12-31"))


def _measure_of(found: list[Measure], entry: dict[str, Any], body: dict[str, Any]) -> Measure:
    kind = body.get("kind") if isinstance(body.get("kind"), str) else None
    if entry["signal_type"] != "measure_imposed":
        candidates = [m for m in found if m.kind == kind and m.imposed_by == entry["from"] and not m.ended]
        previous = _day(body.get("previous_ends_on"))
        named = [m for m in candidates if previous is not None and m.ends_on == previous]
        if named or candidates:
            return (named or candidates)[-1]
    measure = Measure(id=entry["signal_id"], kind=kind, imposed_by=entry["from"], roles=[])
    found.append(measure)
    return measure


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
