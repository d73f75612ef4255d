"""The register of processing activities (GDPR art. 30; for the police and the OM, the
law-enforcement counterpart, art. 24 of Directive (EU) 2016/680 as the Wpg and Wjsg carry it out),
generated from the sharing matrix (tools/policy/matrix.py), so from what the policies decide, and
from their configuration (purposes.json, legal_bases.json, partners.json) and the topics' retention.

One processing activity per purpose a policy shares for: what it is for, on which legal bases,
from whom to whom, which signals, about whom (categories of persons) and what (categories of data),
and how long each part is kept. Its id is the purpose's, which every audit record names as its
`processing_activity`: the audit points into the register.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.audit import ldv
from gateway.retention import TABLE as RETENTION
from gateway.retention import how_long
from gateway.schemas.labels import group_of
from gateway.settings import PARTNERS, POLICY_DIR, get_settings
from tools import reports
from tools.policy.matrix import Row, csv_text

CONFIG = POLICY_DIR / "ketenpoort" / "config"
DAT = "dat"

# Who a granted field is about, by the group its top-level field is shown in (gateway/schemas/labels.yaml).
PERSONS = {
    "suspect": "suspects (the person the signal is about)",
    "victim": "victims",
    "children": "children in the family",
}
PROFESSIONALS = "professionals named as contact (name, organisation, phone)"
DAT_PERSONS = (
    "persons a partner is involved with (only that the partner is involved, since when, whom to call)"
)


def retention() -> list[tuple[str, str]]:
    """What is kept, and how long, the same for every activity (gateway/retention.py)."""
    months = get_settings().involvement_retention_months
    return [(kept.what, how_long(kept, months)) for kept in RETENTION]


@dataclass(frozen=True)
class Activity:
    id: str
    purpose: str
    description: str
    legal_bases: tuple[str, ...]
    senders: tuple[str, ...]
    recipients: tuple[str, ...]
    signal_types: tuple[str, ...]
    persons: tuple[str, ...]
    data: tuple[str, ...]
    basis_codes: tuple[str, ...] = ()  # the legal bases' keys, in the order of `legal_bases`

    @property
    def uri(self) -> str:
        """What each audit record names as its `processing_activity_id` (Logboek Dataverwerkingen)."""
        return ldv.activity_id(self.id)

    def as_csv(self) -> dict[str, str]:
        return {
            "id": self.id,
            "uri": self.uri,
            "purpose": self.description,
            "legal_bases": "; ".join(self.legal_bases),
            "senders": "; ".join(self.senders),
            "recipients": "; ".join(self.recipients),
            "signal_types": " ".join(self.signal_types),
            "categories_of_persons": "; ".join(self.persons),
            "categories_of_data": " ".join(self.data),
        }


def legal_bases() -> dict[str, object]:
    """The legal bases the policies share on, by key (legal_bases.json)."""
    return _load("legal_bases.json", "legal_bases")


def _load(name: str, key: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((CONFIG / name).read_text())[key]
    return loaded


def _name(org: str) -> str:
    partner = PARTNERS.get(org)
    return f"{partner.name} ({org})" if partner else org


def build(rows: list[Row]) -> list[Activity]:
    """Every purpose a decision in the matrix shares for, as a processing activity."""
    purposes = _load("purposes.json", "purposes")
    bases = _load("legal_bases.json", "legal_bases")
    shared = [row for row in rows if row.level != "none" and row.purpose]
    activities = []
    for purpose in sorted({row.purpose for row in shared if row.purpose}):
        mine = [row for row in shared if row.purpose == purpose]
        persons: set[str] = set()
        data: set[str] = set()
        for row in mine:
            if row.level == DAT:
                persons.add(DAT_PERSONS)
            for path in row.fields:
                top = path.split(".")[0].split("[")[0]
                data.add(path)
                group = group_of(row.situation.signal_type, top)
                if top in PERSONS:
                    persons.add(PERSONS[top])
                elif group == "contact":
                    persons.add(PROFESSIONALS)
        legal = sorted({row.legal_basis for row in mine if row.legal_basis})
        activities.append(
            Activity(
                id=purpose,  # what each audit record names as its `processing_activity`
                purpose=purpose,
                description=str(purposes.get(purpose, "")),
                legal_bases=tuple(_basis(code, bases) for code in legal),
                basis_codes=tuple(legal),
                senders=tuple(_name(org) for org in sorted({row.situation.sender for row in mine})),
                recipients=tuple(_name(org) for org in sorted({row.recipient for row in mine})),
                signal_types=tuple(sorted({row.situation.signal_type for row in mine})),
                persons=tuple(sorted(persons)),
                data=tuple(sorted(data)),
            )
        )
    return [*activities, _routing(rows, bases)]


def _routing(rows: list[Row], bases: dict[str, object]) -> Activity:
    """The gateway's own processing of every signal: what each audit record of a recipient that
    got nothing names, where no purpose of sharing applies."""
    senders = sorted({row.situation.sender for row in rows})
    provided = sorted({PARTNERS[org].provides_under for org in senders if org in PARTNERS})
    return Activity(
        id=ldv.ROUTING,
        purpose=ldv.ROUTING,
        description=(
            "Decide, per partner, what it may receive of each signal under the sharing policies; "
            "deliver that, withhold the rest, and record each decision in the audit. The gateway's "
            "own processing of every signal, on the legal basis its sender provides it under."
        ),
        legal_bases=tuple(_basis(code, bases) for code in provided),
        basis_codes=tuple(provided),
        senders=tuple(_name(org) for org in senders),
        recipients=("none: what a partner receives is under the activity of its purpose",),
        signal_types=tuple(sorted({row.situation.signal_type for row in rows})),
        persons=tuple(sorted({*PERSONS.values(), PROFESSIONALS})),
        data=("every field of each signal, read to decide; the audit keeps only the fields' names",),
    )


def _basis(code: str, bases: dict[str, object]) -> str:
    entry = bases.get(code)
    label = entry.get("label") if isinstance(entry, dict) else None
    return f"{label} ({code})" if label else code


def render_markdown(activities: list[Activity]) -> str:
    lines = [
        "# Register of processing activities",
        "",
        "<!-- Generated by `ketenpoort register --format md` from the policies. Do not edit. -->",
        "",
        "What Ketenpoort processes for the chain partners, per purpose the sharing policies share for",
        "(GDPR art. 30; for the police and the OM its law-enforcement counterpart). Generated from",
        "what the policies decide in every situation of the sharing matrix (docs/sharing-matrix.md)",
        "and from their configuration, so it changes when they do. A `dat` notice says only that a",
        "partner is involved with a person, since when, and whom to call. Each activity's id is what",
        "every audit record of a sharing for it names as its `processing_activity`, and its URI what",
        "it names as its `processing_activity_id` (Logboek Dataverwerkingen); `routing` is the",
        "gateway's own processing, named where a partner got nothing.",
        "",
        "## Retention, for every activity",
        "",
        "| what | kept |",
        "|---|---|",
        *(f"| {what} | {kept} |" for what, kept in retention()),
    ]
    for activity in activities:
        lines += [
            "",
            f"## `{activity.id}`",
            "",
            activity.description,
            "",
            "| | |",
            "|---|---|",
            f"| id in the audit | `{activity.uri}` |",
            f"| legal basis | {'<br>'.join(activity.legal_bases) or '-'} |",
            f"| from | {', '.join(activity.senders)} |",
            f"| to | {', '.join(activity.recipients)} |",
            f"| signals | {', '.join(f'`{name}`' for name in activity.signal_types)} |",
            f"| about | {'<br>'.join(activity.persons) or '-'} |",
            f"| data | {', '.join(f'`{name}`' for name in activity.data) or 'none beyond the dat notice'} |",
        ]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "id", "uri", "purpose", "legal_bases", "senders", "recipients", "signal_types", "categories_of_persons",
    "categories_of_data",
)  # fmt: skip


def render_csv(activities: list[Activity]) -> str:
    return csv_text(CSV_COLUMNS, (activity.as_csv() for activity in activities))


RENDERERS = {"csv": render_csv, "md": render_markdown}  # html: render_page


def render_page(
    activities: list[Activity],
    lang: reports.Lang,
    made: datetime,
    revision: str | None,
    approvers: Sequence[str],
) -> str:
    """The register as a page to read and print: a section per activity, the retention table."""
    bases = legal_bases()
    t = reports.TEXT[lang]

    def basis(code: str) -> str:
        entry = bases.get(code)
        label = entry.get("label") if isinstance(entry, dict) else None
        return reports.basis_cell(code, str(label) if label else None)

    sections = [
        reports.Section(
            a.id,
            a.id,
            f"<p>{reports.esc(a.description)}</p>"
            + reports.table(
                ["", ""],
                [
                    [t["audit_id"], f"<code>{reports.esc(a.uri)}</code>"],
                    [t["basis"], "<br>".join(basis(code) for code in a.basis_codes) or "-"],
                    [t["from"], reports.esc(", ".join(a.senders))],
                    [t["to"], reports.esc(", ".join(a.recipients))],
                    [
                        t["signals"],
                        reports.esc(", ".join(reports.signal_name(n, lang) for n in a.signal_types)),
                    ],
                    [t["about"], "<br>".join(reports.esc(p) for p in a.persons) or "-"],
                    [t["data"], ", ".join(_data_cell(path) for path in a.data) or "-"],
                ],
            ),
        )
        for a in activities
    ]
    keep = reports.Section(
        "retention",
        t["retention"],
        reports.table([t["what"], t["kept"]], ([reports.esc(w), reports.esc(k)] for w, k in retention())),
    )
    legend = [f'<span class="sensitive">{reports.esc(t["data"])}</span>: {reports.esc(t["sensitive"])}']
    return reports.page(
        t["register_title"], lang, made, revision=revision, approvers=approvers,
        intro=f"<p>{reports.esc(t['register_intro'])}</p>", legend=legend, sections=[*sections, keep],
    )  # fmt: skip


def _data_cell(path: str) -> str:
    text = f"<code>{reports.esc(path)}</code>"
    return f'<span class="sensitive">{text}</span>' if reports.sensitive(path) else text
