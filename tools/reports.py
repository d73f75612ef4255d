"""Readable HTML reports for privacy officers: the sharing matrix, the register of processing
activities, a person's subject access report and the retention report, as pages to read and to
print to PDF from the browser, not dumps. Each page has a title, the policy revision and who
approved it, when it was made, a legend, a section per signal type or activity with headers that
stay in view, sensitive fields marked, and each legal basis linked to its article. Dutch by
default (`--lang en` for English); the field and signal names come from gateway/schemas/labels.yaml.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import typer

from gateway.schemas.labels import field_label, signal_label
from gateway.settings import PARTNERS
from tools.policy.matrix import Row, Situation, show_value

Lang = Literal["nl", "en"]


def language(text: str) -> Lang:
    """The page language a command's `--lang` names; typer.BadParameter for any other."""
    if text not in ("nl", "en"):
        raise typer.BadParameter(f"{text!r}: nl or en")
    return "nl" if text == "nl" else "en"


# Every page command's --lang: Dutch by default.
LangOption = Annotated[str, typer.Option(help="The html page's language: nl or en.", callback=language)]

# Each legal basis's article, by its Juriconnect reference on wetten.overheid.nl (EUR-Lex for the
# AVG). The regional privacy officers confirm the exact article (legal_bases.json says so too).
ARTICLES = {
    "wpg-art-19": "https://wetten.overheid.nl/jci1.3:c:BWBR0022463&artikel=19",
    "wjsg-art-39f": "https://wetten.overheid.nl/jci1.3:c:BWBR0014194&artikel=39f",
    "wmo-art-5-2-6": "https://wetten.overheid.nl/jci1.3:c:BWBR0035362&artikel=5.2.6",
    "reclassering-toezicht": "https://wetten.overheid.nl/jci1.3:c:BWBR0001854&artikel=14d",
    "avg-consent-victim": "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
    "sv-art-51ac": "https://wetten.overheid.nl/jci1.3:c:BWBR0001903&artikel=51ac",
    "bw-1-238-avg-6-1-e": "https://wetten.overheid.nl/jci1.3:c:BWBR0002656&artikel=238",
    "avg-6-1-e-zvh-covenant": "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
}

# Fields whose disclosure weighs most: an identifier, where a person lives or was born, and
# anything about the children. Marked on every page.
SENSITIVE = (("bsn", "identifier"), ("birth_date", "birth"), ("address", "address"), ("children", "children"))
PERSONS = ("suspect", "victim")

TEXT: dict[Lang, dict[str, str]] = {
    "nl": {
        "made": "Gemaakt op",
        "revision": "Beleidsversie",
        "approved": "goedgekeurd door",
        "not_approved": "niet uit een goedgekeurde bundel",
        "legend": "Legenda",
        "sensitive": "gevoelig gegeven (BSN, geboortedatum, adres of gegevens van kinderen)",
        "contents": "Inhoud",
        "print": "Afdrukken of als PDF bewaren kan met de printfunctie van de browser.",
        "full": "volledig: het hele signaal",
        "fields": "velden: alleen de genoemde velden",
        "dat": "dat-informatie: alleen dat de afzender betrokken is, sinds wanneer, en wie te bellen",
        "none": "niets",
        "none_legend": "niets: de partner ontvangt niets (alleen getoond waar dat afwijkt van het voorbeeld)",
        "example": "voorbeeld",
        "all_involved": "alle partners al betrokken",
        "sender": "afzender",
        "situation": "situatie",
        "recipient": "ontvanger",
        "level": "niveau",
        "fields_h": "velden",
        "basis": "grondslag",
        "purpose": "doel",
        "urgency": "urgentie",
        "same": "situaties geven hetzelfde als het voorbeeld en zijn weggelaten",
        "register_title": "Register van verwerkingsactiviteiten",
        "register_intro": "Wat Ketenpoort voor de ketenpartners verwerkt, per doel waarvoor het deelbeleid "
        "deelt (AVG art. 30; voor politie en OM de tegenhanger uit de Wpg en Wjsg), afgeleid uit wat het "
        "beleid in elke situatie van de deelmatrix beslist. Elk auditrecord noemt de activiteit waarvoor "
        "het is gedeeld.",
        "audit_id": "id in de audit",
        "from": "van",
        "to": "aan",
        "signals": "signalen",
        "about": "over wie",
        "data": "gegevens",
        "retention": "Bewaartermijnen, voor elke activiteit",
        "what": "wat",
        "kept": "bewaard",
        "subject_title": "Wat Ketenpoort over één persoon heeft gedeeld",
        "subject_intro": "Voor de persoon met het opgevraagde BSN (ketenpseudoniem {pseudonym}; het BSN "
        "zelf staat niet in de audit). Elke regel is één organisatie die één signaal ontving. "
        "{shared} keer gedeeld, {withheld} keer overwogen en helemaal achtergehouden.",
        "shared": "Gedeeld",
        "when": "wanneer (UTC)",
        "signal": "signaal",
        "retention_title": "Bewaartermijnen en wat er is verwijderd",
        "how": "hoe",
        "differences": "Instellingen op de broker die afwijken",
        "no_differences": "De bewaarinstellingen van elk topic op de broker zijn wat Ketenpoort instelt.",
        "removed": "Verwijderd door de bewaartermijn",
        "removed_at": "verwijderd op",
        "kind": "soort",
        "key": "sleutel",
        "why": "waarom",
        "matrix_title": "Deelmatrix: wat elke partner ontvangt",
        "matrix_intro": "Per signaaltype eerst het voorbeeld (docs/examples), daarna alleen de situaties "
        "waarin een partner iets anders ontvangt dan in het voorbeeld, met alleen wat in die situatie "
        "anders is. Een partner die niet genoemd wordt ontvangt niets.",
    },
    "en": {
        "made": "Made on",
        "revision": "Policy revision",
        "approved": "approved by",
        "not_approved": "not from an approved bundle",
        "legend": "Legend",
        "sensitive": "sensitive data (BSN, birth date, address or children's data)",
        "contents": "Contents",
        "print": "Print it, or save it as PDF, with the browser's print function.",
        "full": "full: the whole signal",
        "fields": "fields: only the fields named",
        "dat": "dat notice: only that the sender is involved, since when, and whom to call",
        "none": "nothing",
        "none_legend": "nothing: the partner receives nothing (shown only where that differs from the "
        "example)",
        "example": "example",
        "all_involved": "every partner already involved",
        "sender": "sender",
        "situation": "situation",
        "recipient": "recipient",
        "level": "level",
        "fields_h": "fields",
        "basis": "legal basis",
        "purpose": "purpose",
        "urgency": "urgency",
        "same": "situations give the same as the example and are left out",
        "register_title": "Register of processing activities",
        "register_intro": "What Ketenpoort processes for the chain partners, per purpose the sharing "
        "policies share for (GDPR art. 30; for the police and the OM its counterpart in the Wpg and "
        "Wjsg), derived from what the policies decide in every situation of the sharing matrix. Each "
        "audit record names the activity it was shared for.",
        "audit_id": "id in the audit",
        "from": "from",
        "to": "to",
        "signals": "signals",
        "about": "about whom",
        "data": "data",
        "retention": "Retention, for every activity",
        "what": "what",
        "kept": "kept",
        "subject_title": "What Ketenpoort shared about one person",
        "subject_intro": "For the person with the requested BSN (chain pseudonym {pseudonym}; the BSN "
        "itself is not kept in the audit). Each row is one organisation receiving one signal. "
        "{shared} times shared, {withheld} times considered and withheld entirely.",
        "shared": "Shared",
        "when": "when (UTC)",
        "signal": "signal",
        "retention_title": "Retention, and what was removed",
        "how": "how",
        "differences": "Broker settings that differ",
        "no_differences": "Every topic's retention on the broker is what Ketenpoort sets.",
        "removed": "Removed by retention",
        "removed_at": "removed on",
        "kind": "kind",
        "key": "key",
        "why": "why",
        "matrix_title": "Sharing matrix: what each partner receives",
        "matrix_intro": "Per signal type first the example (docs/examples), then only the situations in "
        "which a partner receives otherwise than in the example, showing only what differs there. A "
        "partner not named receives nothing.",
    },
}

CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;"
    "color:#1b1b1b;line-height:1.4}h1{font-size:1.6rem}"
    "h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #154273}"
    ".meta{color:#444}.meta dt{font-weight:600;float:left;clear:left;width:11rem}.meta dd{margin-left:11rem}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:4px 8px;"
    "text-align:left;vertical-align:top}thead th{position:sticky;top:0;background:#e8eef5}"
    "tbody tr:nth-child(even){background:#fafafa}.sensitive{color:#a30000;font-weight:600}"
    ".sensitive::after{content:' \\26A0'}.note{color:#555;font-style:italic}nav ul{columns:2}"
    "@media print{thead{display:table-header-group}thead th{position:static}section{break-inside:avoid-page}"
    "nav,.screen{display:none}a{color:inherit;text-decoration:none}}"
)


def t(lang: Lang, key: str) -> str:
    return TEXT[lang][key]


def esc(text: object) -> str:
    return html.escape(str(text))


def partner(org: str) -> str:
    found = PARTNERS.get(org)
    return f"{found.name} ({org})" if found else org


def sensitive(path: str) -> bool:
    """A sensitive field, or a whole person (which holds the BSN, birth date and address)."""
    parts = path.replace("[]", "").split(".")
    return path in PERSONS or any(marker in parts for marker, _ in SENSITIVE)


def field_cell(signal_type: str, paths: Iterable[str], lang: Lang) -> str:
    shown = []
    for path in paths:
        label = field_label(signal_type, path, lang) or path
        text = f"{esc(label)} <code>{esc(path)}</code>"
        shown.append(
            f'<span class="sensitive" title="{esc(t(lang, "sensitive"))}">{text}</span>'
            if sensitive(path)
            else text
        )
    return "<br>".join(shown) or "-"


def basis_cell(code: str | None, label: str | None) -> str:
    if not code:
        return "-"
    text = esc(label or code)
    url = ARTICLES.get(code)
    return f'<a href="{esc(url)}">{text}</a>' if url else text


def signal_name(signal_type: str, lang: Lang) -> str:
    return signal_label(signal_type, lang) or signal_type


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: str  # HTML: an introduction and a table


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """`rows` hold cells as HTML already."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(
    title: str,
    lang: Lang,
    made: datetime,
    *,
    revision: str | None = None,
    approvers: Sequence[str] = (),
    intro: str = "",
    legend: Sequence[str] = (),
    sections: Sequence[Section] = (),
) -> str:
    meta = [f"<dt>{esc(t(lang, 'made'))}</dt><dd>{esc(made.strftime('%Y-%m-%d %H:%M %Z'))}</dd>"]
    if revision is not None:
        who = f"{t(lang, 'approved')} {', '.join(approvers)}" if approvers else t(lang, "not_approved")
        meta.append(f"<dt>{esc(t(lang, 'revision'))}</dt><dd><code>{esc(revision)}</code> ({esc(who)})</dd>")
    legend_html = (
        f"<h2>{esc(t(lang, 'legend'))}</h2><ul>" + "".join(f"<li>{item}</li>" for item in legend) + "</ul>"
        if legend
        else ""
    )
    nav = (
        f'<nav class="screen"><h2>{esc(t(lang, "contents"))}</h2><ul>'
        + "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in sections)
        + "</ul></nav>"
        if len(sections) > 1
        else ""
    )
    body = "".join(f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{s.body}</section>' for s in sections)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<style>{CSS}</style></head><body><h1>{esc(title)}</h1><dl class="meta">{"".join(meta)}</dl>'
        f'<p class="screen note">{esc(t(lang, "print"))}</p>{intro}{legend_html}{nav}{body}</body></html>\n'
    )


def level_legend(lang: Lang) -> list[str]:
    return [
        *(f"<b>{esc(key)}</b>: {esc(t(lang, key))}" for key in ("full", "fields", "dat")),
        f"<b>none</b>: {esc(t(lang, 'none_legend'))}",
        f'<span class="sensitive">{esc(t(lang, "fields_h"))}</span>: {esc(t(lang, "sensitive"))}',
    ]


def _differs(example: dict[str, object], attributes: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in attributes.items() if example.get(key) != value}


def matrix_page(
    rows: Sequence[Row],
    bases: dict[str, object],
    lang: Lang,
    made: datetime,
    revision: str | None,
    approvers: Sequence[str],
) -> str:
    """The sharing matrix, one section per signal type: the example's decisions, then per other
    situation only what differs from the example in it (its differing attributes, and each
    recipient whose decision differs)."""
    by_type: dict[str, list[Row]] = {}
    for row in rows:
        by_type.setdefault(row.situation.signal_type, []).append(row)
    sections = []
    for signal_type, mine in by_type.items():
        example = mine[0].situation
        decided = {row.recipient: row for row in mine if row.situation == example}
        out: list[list[str]] = []
        skipped = 0
        situations: dict[str, tuple[Situation, list[Row]]] = {}
        for row in mine:
            situations.setdefault(row.situation.label(), (row.situation, []))[1].append(row)
        for situation, its_rows in situations.values():
            if situation == example:
                changed = [row for row in its_rows if row.level != "none"]
                label = f"<b>{esc(t(lang, 'example'))}</b>"
            else:
                changed = [row for row in its_rows if _decision(row) != _decision(decided.get(row.recipient))]
                if not changed:
                    skipped += 1
                    continue
                parts = [
                    f"{esc(key)} = {esc(show_value(value))}"
                    for key, value in _differs(example.attributes, situation.attributes).items()
                ]
                if situation.other_sender:
                    parts.insert(0, f"{esc(t(lang, 'sender'))}: {esc(partner(situation.sender))}")
                if situation.involved:
                    parts.append(esc(t(lang, "all_involved")))
                label = "<br>".join(parts) or esc(t(lang, "example"))
            for row in changed:
                basis = bases.get(row.legal_basis or "")
                basis_label = basis.get("label") if isinstance(basis, dict) else None
                out.append(
                    [
                        label,
                        esc(partner(row.recipient)),
                        esc(row.level if row.level != "none" else t(lang, "none")),
                        field_cell(signal_type, row.fields, lang),
                        basis_cell(row.legal_basis, str(basis_label) if basis_label else None),
                        esc(row.purpose or "-"),
                        esc(row.urgency),
                    ]
                )
                label = ""  # the situation is named on its first row
        headers = [
            t(lang, key)
            for key in ("situation", "recipient", "level", "fields_h", "basis", "purpose", "urgency")
        ]
        note = f'<p class="note">{skipped} {esc(t(lang, "same"))}.</p>' if skipped else ""
        sections.append(
            Section(
                signal_type, f"{signal_name(signal_type, lang)} ({signal_type})", table(headers, out) + note
            )
        )
    return page(
        t(lang, "matrix_title"), lang, made, revision=revision, approvers=approvers,
        intro=f"<p>{esc(t(lang, 'matrix_intro'))}</p>", legend=level_legend(lang), sections=sections,
    )  # fmt: skip


def _decision(row: Row | None) -> tuple[object, ...]:
    if row is None:
        return ("none", (), None, None, "none")
    return (row.level, tuple(row.fields), row.legal_basis, row.purpose, row.urgency)
