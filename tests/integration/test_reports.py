"""The privacy officers' pages: the sharing matrix and the register as pages to read and print,
Dutch by default, naming the policy revision OPA serves and the officers who approved it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.settings import Settings, get_settings
from tools import reports
from tools.cli import app
from tools.contracts.examples import examples
from tools.policy import matrix, register
from tools.policy.engine import policy_engine
from tools.stack import Endpoints


def _run(stack: Endpoints, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("OPA_URL", stack.opa_url)
    assert stack.policy_approvers is not None
    monkeypatch.setenv("KETENPOORT_POLICY_APPROVERS", str(stack.policy_approvers))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
async def rows(settings: Settings) -> list[matrix.Row]:
    async with policy_engine(settings, settings.policy_dir) as engine:
        return await matrix.build(engine)


def test_the_matrix_page_is_a_report_not_a_dump(
    stack: Endpoints, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rows: list[matrix.Row]
) -> None:
    page_file = tmp_path / "matrix.html"
    _run(stack, monkeypatch, "policy", "matrix", "--format", "html", "--output", str(page_file))
    page = page_file.read_text()

    assert '<html lang="nl">' in page and "<h1>Deelmatrix: wat elke partner ontvangt</h1>" in page
    assert "Beleidsversie" in page and "goedgekeurd door dev-officer-1, dev-officer-2" in page
    assert "Gemaakt op" in page and "<h2>Legenda</h2>" in page
    # One section per signal type, under its Dutch name.
    sections = re.findall(r'<section id="([a-z_]+)"><h2>([^<]+)</h2>', page)
    assert {section for section, _ in sections} == {case.name for case in examples()}
    assert ("breach_of_conditions", "Overtreding van voorwaarden (breach_of_conditions)") in sections
    # Headers stay in view; printing repeats them on each page.
    assert "thead th{position:sticky" in page and "thead{display:table-header-group}" in page
    # Only what differs: far fewer rows than every (situation, recipient), and no "none" rows of the
    # example; a note says how many situations gave the same.
    shown = page.count("<tr>") - len(sections)
    assert shown < len([row for row in rows if row.level != "none"]) / 2, shown
    assert "situaties geven hetzelfde als het voorbeeld" in page
    # Sensitive fields marked; each legal basis linked to its article.
    assert re.search(r'<span class="sensitive"[^>]*>[^<]*<code>[a-z_.]*bsn</code></span>', page)
    assert '<a href="https://wetten.overheid.nl/jci1.3:c:BWBR0022463&amp;artikel=19">' in page

    english = reports.matrix_page(rows, register.legal_bases(), "en", datetime.now(UTC), None, ())
    assert '<html lang="en">' in english and "Sharing matrix: what each partner receives" in english
    assert "Breach of conditions (breach_of_conditions)" in english


def test_the_register_page_names_each_activity_and_links_its_legal_bases(
    stack: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _run(stack, monkeypatch, "register", "--format", "html")
    assert "<h1>Register van verwerkingsactiviteiten</h1>" in page
    assert "goedgekeurd door dev-officer-1, dev-officer-2" in page
    assert "<code>urn:ketenpoort:verwerkingsactiviteit:routing</code>" in page
    assert "https://wetten.overheid.nl/jci1.3:c:BWBR0035362&amp;artikel=5.2.6" in page
    assert "Bewaartermijnen, voor elke activiteit" in page
