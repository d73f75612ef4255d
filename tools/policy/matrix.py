"""The sharing matrix: what each recipient gets of each signal type in each situation, and which
chain obligations the signal opens there (docs/obligations.md), asked of the policy engine itself,
so it is the policy and not a description of it.

A situation is the attributes of the signal type's example, then each attribute varied over its
possible values one at a time, then the example with every recipient already involved.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, get_args

from gateway.decisions import PolicyEngine, policy_input
from gateway.obligations import OPENED, Clock, ObligationSpec
from gateway.schemas.breach_of_conditions import DetectedBy, Severity
from gateway.schemas.case_conference import ConferenceStatus
from gateway.schemas.child_protection import (
    ChildProtectionKind,
    ChildProtectionMeasure,
    ChildProtectionStatus,
)
from gateway.schemas.contact_person import ContactRole
from gateway.schemas.involvement import CloseReason, InvolvementRole
from gateway.schemas.measure import EndReason, MeasureKind
from gateway.schemas.new_report import ReportKind
from gateway.schemas.prosecution_decision import DecisionKind
from gateway.schemas.protection_needs import ConsentScope
from gateway.schemas.release_from_custody import ReleaseKind
from gateway.schemas.risk_assessment import Instrument, RiskLevel
from gateway.schemas.safety_assessment import FollowUpMonths
from gateway.schemas.victim_informed import InformedAbout
from gateway.schemas.victim_informing import AgreedBy
from gateway.settings import RECIPIENTS
from tools.contracts.examples import examples

BOOL = (False, True)


def _values(enum: type[StrEnum], *, nullable: bool = False) -> tuple[Any, ...]:
    return (*(member.value for member in enum), *((None,) if nullable else ()))


# Every attribute any signal type gives policy, with the values it can take.
ATTRIBUTE_DOMAINS: dict[str, tuple[Any, ...]] = {
    "minors_involved": BOOL,
    "report_kind": _values(ReportKind),
    "instrument": _values(Instrument),
    "risk_level": _values(RiskLevel, nullable=True),
    "previous_risk_level": _values(RiskLevel, nullable=True),
    "risk_rising": BOOL,
    "measure": _values(MeasureKind),
    "severity": _values(Severity),
    "detected_by": _values(DetectedBy),
    "breach_of_measure": BOOL,
    "new_offence": BOOL,
    "release_kind": _values(ReleaseKind),
    "planned": BOOL,
    "has_conditions": BOOL,
    "acute_unsafety": BOOL,
    "structural_unsafety": BOOL,
    "has_safety_conditions": BOOL,
    "follow_up_months": (None, *get_args(FollowUpMonths)),
    "end_reason": _values(EndReason),
    "decision": _values(DecisionKind),
    "role": _values(ContactRole),
    "involvement_role": _values(InvolvementRole),
    "close_reason": _values(CloseReason),
    "agreed_by": _values(AgreedBy),
    "informers": (["slachtofferhulp"], ["police"], ["om"], ["om", "police", "slachtofferhulp"]),
    "consent_to_share": BOOL,
    # No partner, each one alone, and all of them (sorted, as ProtectionNeeds.attributes gives them).
    "consent_scope": (
        [],
        *([scope] for scope in sorted(_values(ConsentScope))),
        sorted(_values(ConsentScope)),
    ),
    "changed": BOOL,
    "fears_for_safety": BOOL,
    "about": _values(InformedAbout),
    "child_protection_kind": _values(ChildProtectionKind),
    "child_protection_measure": _values(ChildProtectionMeasure, nullable=True),
    "child_protection_status": _values(ChildProtectionStatus),
    "conference_status": _values(ConferenceStatus),
    # The example's table, and a task owner who was not at it.
    "participants": (["3ro", "om", "police", "veiligthuis", "zvh"], ["police", "zvh"]),
    "task_owners": ([], ["3ro", "police", "veiligthuis"], ["slachtofferhulp"]),
    "open_tasks": BOOL,
}
COLUMNS = (
    "signal_type", "attributes", "recipient", "level", "fields", "legal_basis", "purpose", "urgency",
    "obligations",
)  # fmt: skip


@dataclass(frozen=True)
class Situation:
    signal_type: str
    sender: str
    attributes: dict[str, Any]
    involved: bool
    other_sender: bool = False
    """Sent by another organisation than the example's: the label names it."""

    def label(self) -> str:
        parts = [f"{key}={show_value(value)}" for key, value in self.attributes.items()]
        sender = [f"sender={self.sender}"] if self.other_sender else []
        return "; ".join([*sender, *parts, f"recipients_involved={show_value(self.involved)}"])


# Signals some organisation sends other than the example's sender, with the attributes that make it
# theirs: the measures the police register (adapters/police/measures.py), and an arrest outside
# domestic violence, which the police send as their involvement only (adapters/police/mapping.py).
OTHER_SENDERS: tuple[tuple[str, str, str, tuple[Any, ...]], ...] = (
    *(
        (name, "police", "measure", ("temporary_restraining_order", "civil_contact_ban", "civil_area_ban"))
        for name in ("measure_imposed", "measure_extended", "measure_ended")
    ),
    ("involvement_opened", "police", "involvement_role", ("investigator",)),
    # Veilig Thuis where it chairs the actieoverleg.
    ("case_conference", "veiligthuis", "conference_status", ("held",)),
)


@dataclass(frozen=True)
class Row:
    situation: Situation
    recipient: str
    level: str
    fields: tuple[str, ...]
    legal_basis: str | None
    purpose: str | None
    urgency: str
    obligations: str = ""  # what the signal opens in this situation, the same on each of its rows

    def key(self) -> tuple[str, str, str]:
        return (self.situation.signal_type, self.situation.label(), self.recipient)

    def as_csv(self) -> dict[str, str]:
        return {
            "signal_type": self.situation.signal_type,
            "attributes": self.situation.label(),
            "recipient": self.recipient,
            "level": self.level,
            "fields": " ".join(self.fields),
            "legal_basis": self.legal_basis or "",
            "purpose": self.purpose or "",
            "urgency": self.urgency,
            "obligations": self.obligations,
        }


def show_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(show_value(item) for item in value) + "]"
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def situations() -> list[Situation]:
    found = []
    for case in examples():
        name, sender, base = case.name, case.sender, case.signal.attributes()
        found.append(Situation(name, sender, base, involved=False))
        for key, value in base.items():
            for other in ATTRIBUTE_DOMAINS[key]:
                if other != value:
                    found.append(Situation(name, sender, {**base, key: other}, involved=False))
        found.append(Situation(name, sender, base, involved=True))
        for signal_type, other, key, values in OTHER_SENDERS:
            if signal_type == name:
                for value in values:
                    for involved in (False, True):
                        found.append(
                            Situation(name, other, {**base, key: value}, involved, other_sender=True)
                        )
    return found


def clock_text(clock: Clock) -> str:
    since = f"after `{clock.from_field}`" if clock.from_field else "after it is routed"
    if clock.before_field is not None:
        return f"before `{clock.before_field}`"
    if clock.hours is not None:
        return f"{clock.hours:g} hours {since}"
    if clock.working_days is not None:
        return f"{clock.working_days} working days {since}"
    return f"{clock.months} months {since}"


def obligation_text(kind: str, spec: ObligationSpec) -> str:
    """One obligation as the matrix shows it: kind, owner, due, and what meets it."""
    meets = " or ".join(
        f"{m.type} from {m.from_}"
        + "".join(f" with {name}={show_value(value)}" for name, value in m.where.items())
        for m in spec.met_by
    )
    return f"`{kind}`: {spec.owner}, {clock_text(spec.clock)}; met by {meets}"


async def build(engine: PolicyEngine) -> list[Row]:
    rows = []
    for situation in situations():
        involved = frozenset(RECIPIENTS) if situation.involved else frozenset()
        query = policy_input(
            situation.signal_type, situation.sender, "1.0", situation.attributes, involved=involved
        )
        opened = await OPENED.of(engine, query)
        obligations = " | ".join(obligation_text(kind, spec) for kind, spec in sorted(opened.items()))
        for recipient, decision in (await engine.decide(query)).items():
            rows.append(
                Row(
                    situation,
                    recipient,
                    decision.level.value,
                    tuple(decision.fields),
                    decision.legal_basis,
                    decision.purpose,
                    decision.urgency,
                    obligations,
                )
            )
    return rows


def csv_text(columns: Sequence[str], lines: Iterable[dict[str, str]]) -> str:
    """A CSV document: a header of `columns`, then a line per dict."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue()


def render_csv(rows: list[Row]) -> str:
    return csv_text(COLUMNS, (row.as_csv() for row in rows))


def render_markdown(rows: list[Row]) -> str:
    lines = [
        "# Sharing matrix",
        "",
        "<!-- Generated by `ketenpoort policy matrix --format md` from the policies. Do not edit. -->",
        "",
        "What each partner receives of each signal, as the policies decide it. Per signal type, the first",
        "situation is the example in `docs/examples/`; each next one changes one attribute; the last has",
        "every recipient already involved with the person. `dat` is the dat notice only: who is involved,",
        "since when, whom to call. A recipient not listed for a situation receives nothing. Below each",
        "signal's table, the chain obligations it opens in each situation (docs/obligations.md).",
        "",
    ]
    current = None
    for row in rows:
        if row.situation.signal_type != current:
            lines += _obligations_of(rows, current)
            current = row.situation.signal_type
            lines += [
                "",
                f"## {current}",
                "",
                "| situation | recipient | level | fields | legal basis | purpose | urgency |",
            ]
            lines.append("|---|---|---|---|---|---|---|")
        if row.level == "none":
            continue
        fields = ", ".join(f"`{field}`" for field in row.fields) or "-"
        lines.append(
            f"| {row.situation.label()} | {row.recipient} | {row.level} | {fields} "
            f"| {row.legal_basis or '-'} | {row.purpose or '-'} | {row.urgency} |"
        )
    lines += _obligations_of(rows, current)
    return "\n".join(lines) + "\n"


def _obligations_of(rows: list[Row], signal_type: str | None) -> list[str]:
    """The obligations a signal type opens, each with the situations it opens in."""
    opening: dict[str, list[str]] = {}
    for row in rows:
        if row.situation.signal_type == signal_type:
            opening.setdefault(row.situation.label(), row.obligations.split(" | ") if row.obligations else [])
    where: dict[str, list[str]] = {}
    for label, texts in opening.items():
        for text in texts:
            where.setdefault(text, []).append(label)
    if not where:
        return []
    lines = ["", "Chain obligations it opens:", "", "| obligation | in |", "|---|---|"]
    for text, labels in where.items():
        missing = [label for label in opening if label not in labels]
        shown = "<br>".join(labels)
        if len(missing) < len(labels):
            shown = "every situation above" + (" except<br>" + "<br>".join(missing) if missing else "")
        lines.append(f"| {text} | {shown} |")
    return lines


RENDERERS = {"csv": render_csv, "md": render_markdown}  # html: tools/reports.py, a page to read
