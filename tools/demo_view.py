"""What `ketenpoort demo` shows, as tables: pure functions from what the demo sent and read back
(the deliveries and receipts of every inbox, the alerts raised, the obligation events) to what it
prints. tools/demo.py runs the case and reads these from Kafka."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.table import Table

from gateway.involvements import MATCH_NOTICE
from gateway.redact import withheld
from gateway.schemas.alert import AlertEvent
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import PARTNERS, RECIPIENTS
from gateway.topics import inbox_topic


@dataclass(frozen=True)
class Origin:
    """Where a signal of the case came from: the step that sent it, its sender and its type."""

    step: int
    sender: str
    signal_type: str

    def __str__(self) -> str:
        return f"{self.signal_type} from {self.sender} (step {self.step})"


@dataclass(frozen=True)
class Sent:
    """What the demo sent: each signal's full body by id, in order, where each came from, and what
    each step said it did."""

    originals: dict[str, dict[str, Any]]
    origins: dict[str, Origin]
    lines: list[str]


def table(received: list[dict[str, Any]], originals: dict[str, dict[str, Any]]) -> Table:
    """One row per copy delivered, in the order the signals were sent; withheld fields beside it."""
    order = {signal_id: n for n, signal_id in enumerate(originals)}
    view = Table(title="What each organisation received", show_lines=True)
    for column in (
        "signal",
        "to",
        "level, urgency",
        "received",
        "withheld",
        "legal basis (purpose) / reason",
    ):
        view.add_column(column)
    for item in sorted(received, key=lambda i: (order.get(i["signal_id"], len(order)), str(i["_inbox"]))):
        org = item["_inbox"].removeprefix("inbox.")
        if item.get("signal_type") == MATCH_NOTICE:
            named = sorted({i["organisation"] for p in item["body"]["persons"] for i in p["involved"]})
            persons = ", ".join(f"{p['person_role']} ({p['match']})" for p in item["body"]["persons"])
            view.add_row(
                "match notice (dat-informatie)",
                org,
                "dat, normal",
                f"also involved with the {persons}: {', '.join(named)}, and whom to call",
                "all case content",
                f"{item['legal_basis']} ({item['purpose']})",
            )
        elif "delivery_id" in item:
            original = originals.get(item["signal_id"], {})
            view.add_row(
                f"{item['signal_type']} from {item['sender']}",
                org,
                f"{item['level']}, {item['urgency']}",
                ", ".join(sorted(item["body"])),
                ", ".join(withheld(original, item["fields"])) or "-",
                f"{item['legal_basis']} ({item['purpose']})",
            )
        else:
            view.add_row(
                "refused signal", org, "-", "-", "-", f"rejection receipt: {item['reason']}: {item['detail']}"
            )
    for org in RECIPIENTS:
        if not any(i["_inbox"] == inbox_topic(org) for i in received):
            view.add_row("-", org, "none", "nothing", "everything", "no rule grants it anything of this case")
    return view


def alerts_table(raised: list[AlertEvent], originals: dict[str, dict[str, Any]]) -> Table:
    order = {signal_id: n for n, signal_id in enumerate(originals)}
    view = Table(title="On-call alerts raised (`ketenpoort oncall serve` delivers and escalates them)")
    for column in ("signal", "alerted", "priority", "reason", "content"):
        view.add_column(column)
    for event in sorted(raised, key=lambda e: (order.get(str(e.signal_id), 0), e.org)):
        content = ", ".join(sorted(event.content or {})) or "-"
        view.add_row(
            f"{event.signal_type} from {event.sender}", event.org, event.priority, event.reason or "", content
        )
    return view


def state(opened: ObligationEvent, met: ObligationEvent | None, origins: dict[str, Origin]) -> str:
    """Met, and by which signal of the case; or open, and what would meet it."""
    if met is None:
        return "open: needs " + " or ".join(f"{m.type} from {m.from_}" for m in opened.met_by)
    return f"met by {origins.get(str(met.met_signal), 'a signal of another case')}"


def obligations_table(events: list[ObligationEvent], origins: dict[str, Origin]) -> Table:
    """Per obligation the case opened: what, whose, which signal opened it, due when, and which
    later signal met it."""
    met = {e.obligation_id: e for e in events if e.event == "met"}
    view = Table(
        title="Chain obligations the case opened (docs/obligations.md)",
        caption="Due times a signal's own date sets (a release, an arrest, a measure's end) fall in the "
        "story's spring 2026; the others run from when the gateway routed the signal: now.",
    )
    for column in ("obligation", "owner", "opened by", "due", "state"):
        view.add_column(column)
    for event in (e for e in events if e.event == "opened"):
        view.add_row(
            event.kind,
            event.owner,
            str(origins.get(str(event.opened_by), "-")),
            f"{event.due_at:%Y-%m-%d %H:%M} UTC",
            state(event, met.get(event.obligation_id), origins),
        )
    return view


def received_by(org: str, received: list[dict[str, Any]], sent: Sent) -> str:
    """What an organisation's inbox got, in the order of the story: the signals whose content it
    received, those of which it learnt only that the sender is involved (dat-informatie), and how
    many match notices and rejection receipts."""
    order = {signal_id: n for n, signal_id in enumerate(sent.originals)}
    inbox = [item for item in received if item["_inbox"] == inbox_topic(org)]
    content: list[str] = []
    dat: list[str] = []
    others: Counter[str] = Counter()
    for item in sorted(inbox, key=lambda i: order.get(i["signal_id"], len(order))):
        if item.get("signal_type") == MATCH_NOTICE:
            others["match notices"] += 1
        elif "delivery_id" not in item:
            others["rejection receipts"] += 1
        else:
            origin = sent.origins.get(item["signal_id"])
            said = str(origin) if origin else f"{item['signal_type']} from {item['sender']}"
            (dat if item["level"] == "dat" else content).append(said)
    lines = [f"{what}: {n}" for what, n in others.items()]
    if dat:
        lines.insert(0, "only that its sender is involved: " + ", ".join(dat))
    if content:
        lines.insert(0, "content: " + ", ".join(content))
    return "\n".join(lines) or "nothing"


def part_in_obligations(org: str, events: list[ObligationEvent], sent: Sent) -> str:
    """The obligations an organisation owns, then those its signals opened for another, each with
    how it stands."""
    met = {e.obligation_id: e for e in events if e.event == "met"}
    owns, for_others = [], []
    for event in (e for e in events if e.event == "opened"):
        standing = state(event, met.get(event.obligation_id), sent.origins)
        opener = sent.origins.get(str(event.opened_by))
        if event.owner == org:
            owns.append(f"owns {event.kind}: {standing}")
        elif opener is not None and opener.sender == org:
            for_others.append(f"opened {event.kind} for {event.owner}: {standing}")
    return "\n".join(owns + for_others) or "-"


def parts_table(sent: Sent, received: list[dict[str, Any]], events: list[ObligationEvent]) -> Table:
    """Per organisation, in short: the steps it sent, what it got, and the obligations it owns or
    its signals opened for another."""
    view = Table(title="Each organisation's part in the case", show_lines=True)
    for column in ("organisation", "sent (step: signals)", "received", "obligations"):
        view.add_column(column)
    for org in RECIPIENTS:
        steps: dict[int, list[str]] = {}
        for origin in sent.origins.values():
            if origin.sender == org:
                steps.setdefault(origin.step, []).append(origin.signal_type)
        view.add_row(
            f"{org}\n({PARTNERS[org].name})",
            "\n".join(f"{n}: {', '.join(types)}" for n, types in steps.items()) or "nothing",
            received_by(org, received, sent),
            part_in_obligations(org, events, sent),
        )
    return view
