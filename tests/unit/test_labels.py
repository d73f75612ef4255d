"""The contracts' labels (gateway/schemas/labels.yaml) and the on-call service's message catalogue
(oncall/locale): every field path and code value of every signal in the catalogue, every kind of
chain obligation and every alert reason has its Dutch and English words, and every message the
console's page, its script, the e-mail and the webhook ask for exists in both languages with the
same placeholders."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from gateway.schemas import CATALOGUE
from gateway.schemas.labels import LANGUAGES, field_label, field_paths, labels, missing, value_label
from oncall import i18n

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gateway" / "policies" / "ketenpoort" / "config"
CONSOLE = ROOT / "oncall" / "console"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def test_every_field_path_and_code_value_of_every_signal_has_a_dutch_and_an_english_label() -> None:
    assert missing() == []
    # And the check looks where it should: nested paths and list items are among them.
    paths = field_paths(CATALOGUE["release_from_custody"])
    assert {"suspect.address.city", "conditions[].kind"} <= set(paths)
    assert field_label("release_from_custody", "conditions[].kind", "nl") == "Soort"
    assert value_label(paths["kind"], "release_after_arrest", "nl") == "heenzending na aanhouding"  # type: ignore[arg-type]
    assert value_label(paths["known_risk_level"], "hoog", "en") == "high"  # type: ignore[arg-type]


def test_a_label_is_words_not_a_code() -> None:
    """No `conditions.1.kind`, no `release_after_arrest`: a label has no underscore or dot, and
    differs from its code unless the code is already a word people use (BSN, SASH)."""
    for lang in LANGUAGES:
        page = labels(lang)
        words = [*page["fields"].values(), *page["obligations"].values()]
        for signal in page["signals"].values():
            words += [signal["label"], signal["short"], *signal["paths"].values()]
            words += [label for values in signal["values"].values() for label in values.values()]
        bad = [word for word in words if not word or "_" in word or re.search(r"\w\.\w", word)]
        assert bad == [], f"{lang}: {bad}"


def test_every_kind_of_chain_obligation_has_its_label() -> None:
    kinds = json.loads((CONFIG / "obligations.json").read_text())["obligations"]
    for lang in LANGUAGES:
        named = labels(lang)["obligations"]
        assert [kind for kind in kinds if not named.get(kind)] == [], lang


def test_every_alert_reason_of_the_policy_is_translated() -> None:
    rules = json.loads((CONFIG / "alerts.json").read_text())["alerts"]
    for rule, spec in rules.items():
        dutch = i18n.reason(spec["reason"], "nl")
        assert dutch != spec["reason"], f"{rule}: no Dutch for its reason line"
        assert i18n.reason(spec["reason"], "en") == spec["reason"]


def test_both_languages_have_every_message_with_the_same_placeholders() -> None:
    dutch, english = i18n.messages("nl"), i18n.messages("en")
    assert set(dutch) == set(english)
    for key in dutch:
        assert set(PLACEHOLDER.findall(dutch[key])) == set(PLACEHOLDER.findall(english[key])), key


def _asked(source: str) -> set[str]:
    """The message ids a script asks for by name: t('…') and tn('…') (a plural: .one and .other)."""
    found = set(re.findall(r"\bt\('([a-z0-9_.-]+)'", source))
    for key in re.findall(r"\btn\('([a-z0-9_.-]+)'", source):
        found |= {f"{key}.one", f"{key}.other"}
    return found


def test_every_message_the_page_asks_for_is_in_the_catalogue() -> None:
    script = "".join(path.read_text() for path in sorted(CONSOLE.glob("*.js")))
    page = (CONSOLE / "index.html").read_text()
    asked = _asked(script) | set(re.findall(r"\{\{ ([a-z0-9_.]+) \}\}", page)) - {"lang", "catalogue"}
    # The families the script names by a value: priorities, tiers, statuses, groups, events,
    # channels, the due list's statuses, the two ways of settling, titles.
    asked |= {f"priority.{p}" for p in ("p1", "p2", "p3")} | {
        f"priority.{p}.title" for p in ("p1", "p2", "p3")
    }
    asked |= {f"tier.{t}" for t in ("primary", "secondary", "duty_officer")}
    asked |= {f"status.{s}" for s in ("open", "acknowledged", "closed")}
    asked |= {f"group.{g}" for g in ("person", "measure", "event", "contact")}
    asked |= {f"event.{e}" for e in ("raised", "delivered", "acknowledged", "escalated", "closed")}
    asked |= {f"channel.{c}" for c in ("console", "email", "webhook")}
    asked |= {f"due.status.{s}" for s in ("open", "reminded", "lapsed")}
    ways = ("done-elsewhere", "waive")
    asked |= {f"settle.{a}.{w}" for a in ways for w in ("button", "label", "submit", "done")}
    asked |= {"title.reminder", "title.lapsed"}
    # A person's page (person.js): roles, kinds of item, measures' and obligations' statuses, how
    # much of a copy was shared and how urgent.
    asked |= {f"person.role.{r}" for r in ("suspect", "victim", "child")}
    asked |= {f"person.kind.{k}" for k in ("sent", "received", "match_notice", "alert", "obligation")}
    asked |= {f"person.status.{s}" for s in ("in_force", "not_yet", "lapsed", "ended")}
    asked |= {f"person.obligation.{s}" for s in ("open", "lapsed", "met", "done_elsewhere", "waived")}
    asked |= {f"person.level.{level}" for level in ("full", "fields", "dat")}
    asked |= {f"person.urgency.{u}" for u in ("immediate", "normal", "none")}
    for lang in i18n.LANGUAGES:
        assert sorted(asked - set(i18n.messages(lang))) == [], lang


def _error_codes() -> set[str]:
    """The `code` of every error the console's API answers with: the last argument of `_error`, and
    of `Refused` (a person's page, oncall/person_pages.py)."""
    trees = [ast.parse((ROOT / "oncall" / name).read_text()) for name in ("console.py", "person_pages.py")]
    return {
        node.args[-1].value
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("_error", "Refused") and isinstance(node.args[-1], ast.Constant)
    }  # fmt: skip


def test_every_error_code_of_the_console_api_is_said_in_both_languages() -> None:
    codes = _error_codes()
    assert {"token_unknown", "not_recorded", "alert_closed", "person_not_received"} <= codes
    for lang in i18n.LANGUAGES:
        assert sorted(c for c in codes if f"error.{c}" not in i18n.messages(lang)) == [], lang


def test_the_page_is_dutch_unless_english_is_asked_for() -> None:
    template = (CONSOLE / "index.html").read_text()
    dutch, english = i18n.render(template, "nl"), i18n.render(template, "en")
    assert '<html lang="nl">' in dutch and "Openstaande alarmen" in dutch and "Aanmelden" in dutch
    assert '<html lang="en">' in english and "Open alerts" in english
    assert "{{" not in dutch and "{{" not in english
    # The catalogue is a data block the script reads; nothing in it can close the element early.
    block = dutch.split('<script id="catalogue" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["lang"] == "nl" and "<" not in block
