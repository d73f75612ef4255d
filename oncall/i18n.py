"""What the on-call service says to people, in Dutch (the default) or English: the console's page
and its script, the alert e-mail and the human-readable parts of a webhook. One message catalogue per
language (`locale/<lang>/LC_MESSAGES/oncall.po`, gettext's format, read with Babel), and the
contracts' labels (gateway/schemas/labels.yaml) for signal types, fields, code values and the kinds
of chain obligations. The command line and the APIs stay English.

Messages have symbolic ids (`card.acknowledge`) and `{name}` placeholders, the same in Python and
in the page's script; a plural is two ids, `.one` and `.other`. The alert policy's reason lines
(gateway/policies/ketenpoort/config/alerts.json) are translated by their exact English text, under
the message context `reason`: a reason without a translation is shown as the policy says it.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po

from gateway.schemas.labels import DEFAULT_LANGUAGE, LANGUAGES, Language, labels, language, signal_label
from gateway.schemas.labels import obligation_label as kind_label
from gateway.schemas.obligation import ObligationEvent
from gateway.settings import PARTNERS, POLICY_DIR
from oncall.lifecycle import LOCAL, Alert

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "language"]

LOCALES = Path(__file__).with_name("locale")
REASON = "reason"  # the message context of the alert policy's reason lines
LOCALE_OF: dict[Language, str] = {"nl": "nl_NL", "en": "en_GB"}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_.]+)\s*\}\}")


@cache
def _read(lang: Language) -> tuple[dict[str, str], dict[str, str]]:
    """(messages by id, reason lines by their English text) of one language."""
    with (LOCALES / lang / "LC_MESSAGES" / "oncall.po").open("rb") as po:
        catalog = read_po(po, locale=LOCALE_OF[lang])
    messages: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        (reasons if message.context == REASON else messages)[message.id] = message.string or message.id
    return messages, reasons


def messages(lang: Language) -> dict[str, str]:
    return _read(lang)[0]


def reasons(lang: Language) -> dict[str, str]:
    return _read(lang)[1]


def say(lang: Language, key: str, **values: Any) -> str:
    """The message `key` in `lang`, its placeholders filled; the English one if `lang` lacks it."""
    text = messages(lang).get(key) or messages("en").get(key) or key
    return text.format(**values) if values else text


def reason(text: str, lang: Language) -> str:
    """The alert policy's reason line in `lang`, as the policy says it when it has no translation."""
    return reasons(lang).get(text, text)


def moment(when: datetime, lang: Language, *, zone: bool = False) -> str:
    """`di 13 jan 2026 02:13` in Amsterdam time, as the partners read a time (`CET` after it with
    `zone`)."""
    pattern = "EEE d MMM y HH:mm zzz" if zone else "EEE d MMM y HH:mm"
    return format_datetime(when, pattern, tzinfo=LOCAL, locale=Locale.parse(LOCALE_OF[lang]))


def alert_reason(alert: Alert, lang: Language, obligation: ObligationEvent | None = None) -> str:
    """Why an alert was raised, in `lang`: the policy's reason line; for a chain obligation's
    reminder (p3) or lapse (p2), which obligation, whose, due when."""
    if obligation is None:
        return reason(alert.reason, lang)
    key = "reason.reminded" if alert.priority == "p3" else "reason.lapsed"
    return say(
        lang, key, what=obligation_name(obligation.kind, lang), owner=partner_name(obligation.owner),
        due=moment(obligation.due_at, lang),
    )  # fmt: skip


def partner_name(org: str) -> str:
    partner = PARTNERS.get(org)
    return partner.name if partner is not None else org


def signal_name(signal_type: str, lang: Language) -> str:
    return signal_label(signal_type, lang) or signal_type.replace("_", " ")


def obligation_name(kind: str, lang: Language) -> str:
    return kind_label(kind, lang) or kind.replace("_", " ")


def tier_name(tier: str, lang: Language) -> str:
    return say(lang, f"tier.{tier}")


def page_catalogue(lang: Language) -> dict[str, Any]:
    """All the page's scripts need to speak `lang`: messages, reason lines, labels, partner names,
    the legal bases' labels."""
    return {
        "lang": lang,
        "messages": messages(lang),
        "reasons": reasons(lang),
        "labels": labels(lang),
        "partners": {code: partner.name for code, partner in PARTNERS.items()},
        "legal_bases": legal_bases(),
    }


@cache
def legal_bases() -> dict[str, str]:
    """Each legal basis the policies name, by its label (the law and article, which is the same in
    both languages): a person's page says on which basis a copy was shared."""
    loaded = orjson.loads((POLICY_DIR / "ketenpoort" / "config" / "legal_bases.json").read_bytes())
    return {code: entry["label"] for code, entry in loaded["legal_bases"].items()}


def render(template: str, lang: Language) -> str:
    """The console's page in `lang`: each `{{ id }}` is its message, HTML-escaped; `{{ lang }}` the
    language; `{{ catalogue }}` the page's catalogue as JSON for a data block (a `<script
    type="application/json">`, which the Content-Security-Policy lets be, as it is never run)."""
    catalogue = orjson.dumps(page_catalogue(lang)).decode().replace("<", "\\u003c")

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "lang":
            return lang
        if key == "catalogue":
            return catalogue
        return html.escape(say(lang, key))

    return PLACEHOLDER.sub(fill, template)
