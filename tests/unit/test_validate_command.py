"""`ketenpoort validate` as an integrating IT team uses it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tools.cli import app

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
runner = CliRunner()


def example(name: str) -> dict:  # type: ignore[type-arg]
    loaded: dict = json.loads((EXAMPLES / f"{name}.json").read_text())  # type: ignore[type-arg]
    return loaded


def test_all_examples_are_valid() -> None:
    examples = sorted(EXAMPLES.glob("*.json"))
    result = runner.invoke(app, ["validate", *map(str, examples)])
    assert result.exit_code == 0, result.output
    assert f"{len(examples)} valid, 0 invalid" in result.output


def test_problems_are_reported_per_message_and_field(tmp_path: Path) -> None:
    good = example("new_report")
    bad = example("new_report")
    bad["data"]["victim"]["bsn"] = "123456789"
    bad["data"]["kind"] = "gerucht"
    worse = example("risk_assessment")
    del worse["ce"]["type"]
    lines = tmp_path / "batch.jsonl"
    lines.write_text("\n".join(json.dumps(m) for m in (good, bad, worse)) + "\nnot json\n")

    result = runner.invoke(app, ["validate", "--json", str(lines)])

    assert result.exit_code == 1
    outcomes = json.loads(result.output)
    assert [o["valid"] for o in outcomes] == [True, False, False, False]
    assert [o["location"] for o in outcomes] == [f"{lines}:{n}" for n in (1, 2, 3, 4)]
    assert outcomes[1]["reason"] == "schema_violation"
    problems = {p["path"]: p for p in outcomes[1]["problems"]}
    assert "11-test" in problems["victim.bsn"]["message"]
    assert problems["kind"]["expected"] == "'melding' or 'aangifte'"
    assert "123456789" not in result.output  # never echo the offending value
    assert outcomes[2]["reason"] == "missing_headers"
    assert outcomes[2]["problems"] == [{"path": "header ce_type", "message": "missing", "expected": None}]
    assert outcomes[3]["reason"] == "bad_json"


def test_readable_output_names_field_and_expectation(tmp_path: Path) -> None:
    bad = example("breach_of_conditions")
    bad["data"]["severity"] = "terrible"
    path = tmp_path / "breach.json"
    path.write_text(json.dumps(bad))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "invalid" in result.output and "schema_violation" in result.output
    assert "severity:" in result.output and "expected 'low', 'medium' or 'high'" in result.output
    assert "0 valid, 1 invalid" in result.output


def test_a_missing_file_and_a_non_signal_are_invalid(tmp_path: Path) -> None:
    not_a_signal = tmp_path / "x.json"
    not_a_signal.write_text('{"hello": "world"}')
    result = runner.invoke(app, ["validate", "--json", str(tmp_path / "nope.json"), str(not_a_signal)])
    assert result.exit_code == 1
    assert [o["reason"] for o in json.loads(result.output)] == ["no_file", "bad_message"]
