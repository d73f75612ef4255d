"""Reading exports: JSON objects or arrays, CSV with ";" or ",", each record on its own, bad ones
with their problems and never their values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from adapters.exports import read_csv_records, read_json_records


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nummer: str
    datum: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    toelichting: str | None = None


def pick(item: dict[str, object]) -> object:
    return item["nummer"]


def test_a_csv_export_with_semicolons_and_a_byte_order_mark_reads_row_by_row() -> None:
    raw = "\ufeffnummer;datum;toelichting\nA1;2026-03-02;\nA2;02-03-2026;x\n".encode()
    first, second = read_csv_records(raw, Row, pick)
    assert first.ok and first.native == Row(nummer="A1", datum="2026-03-02") and first.position == "line 2"
    assert not second.ok and second.record_id == "A2" and [p.path for p in second.problems] == ["datum"]
    assert "02-03-2026" not in str(second.problems)


def test_a_csv_export_with_commas_reads_too_and_a_ragged_row_is_named() -> None:
    raw = b"nummer,datum\nA1,2026-03-02\nA2,2026-03-03,extra\n"
    good, ragged = read_csv_records(raw, Row, pick)
    assert good.ok and not ragged.ok and ragged.record_id == "A2"
    assert ragged.problems[0].message == "the number of cells differs from the header"


def test_a_file_that_is_not_utf8_or_not_json_is_one_problem() -> None:
    (not_utf8,) = read_csv_records(b"nummer;datum\n\xff\xfe;x\n", Row, pick)
    (not_json,) = read_json_records(b"{nummer: A1", Row, pick)
    assert not_utf8.position == not_json.position == "file"
    assert "not UTF-8" in not_utf8.problems[0].message and "not JSON" in not_json.problems[0].message


def test_a_json_export_is_one_object_or_an_array_and_each_record_stands_alone() -> None:
    (single,) = read_json_records(b'{"nummer": "A1", "datum": "2026-03-02"}', Row, pick)
    assert single.ok and single.position == "record 1"
    good, extra, not_object = read_json_records(
        b'[{"nummer": "A1", "datum": "2026-03-02"}, {"nummer": "A2", "datum": "2026-03-02", "bsn": "1"}, 7]',
        Row,
        pick,
    )
    assert good.ok
    assert extra.record_id == "A2" and [p.path for p in extra.problems] == ["bsn"]
    assert not_object.record_id is None and not_object.problems[0].message == "not an object"


def test_a_csv_cell_over_the_csv_limit_rejects_its_row_and_the_rows_after_it_are_read() -> None:
    """The csv module refuses a cell over 128 KiB; that is one rejected record, not a failed export."""
    raw = b"nummer;datum;toelichting\nA1;2026-03-02;" + b"x" * (129 * 1024) + b"\nA2;2026-03-03;\n"
    oversized, after = read_csv_records(raw, Row, pick)
    assert not oversized.ok and oversized.position == "line 2" and oversized.record_id is None
    assert oversized.problems[0].path == "(row)" and "field limit" in oversized.problems[0].message
    assert after.ok and after.native == Row(nummer="A2", datum="2026-03-03") and after.position == "line 3"


def test_an_export_of_more_records_than_allowed_is_refused_whole() -> None:
    rows = b"".join(b"A%d;2026-03-02\n" % n for n in range(4))
    (too_many_rows,) = read_csv_records(b"nummer;datum\n" + rows, Row, pick, max_records=3)
    (too_many_objects,) = read_json_records(b"[{}, {}, {}, {}]", Row, pick, max_records=3)
    for refused in (too_many_rows, too_many_objects):
        assert refused.position == "file" and "more than 3 records" in refused.problems[0].message
    assert len(read_csv_records(b"nummer;datum\n" + rows, Row, pick, max_records=4)) == 4
