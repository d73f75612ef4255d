"""What every adapter shares: reading an organisation's export into records, and the contract an
organisation's adapter fulfils (`Adapter`).

An adapter is three things, all in `adapters/<org>/`:
- `native.py`: pydantic models of the organisation's own export, field names as the system has them;
- `mapping.py`: native record → signals, pure functions;
- `__init__.py`: `ADAPTER`, an `Adapter` tying the two together.

Everything else (ingest from files and HTTP, idempotency, sending as the organisation, delivery of
the inbox) is written once, in `adapters/ingest.py`, `adapters/delivery.py` and `tools/adapter_cli.py`.
Reading never raises on bad content: a record that cannot be read or mapped carries its problems,
and the rest of the input still goes through.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from gateway.schemas import Signal
from gateway.schemas.problems import Problem, problems_from

N = TypeVar("N", bound=BaseModel)


@dataclass(frozen=True)
class NativeRecord:
    """One record of an export, read or not."""

    position: str  # where in the input, for the person fixing it: "record 3", "line 7"
    record_id: str | None  # the organisation's own id of the record, when it could be read
    native: Any = None  # the native model, when it could be read
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.native is not None and not self.problems


@dataclass(frozen=True)
class Mapped:
    """One signal made from a native record. `part` names it within its record ("report",
    "risk"), stable across runs: the record id and the part make the signal id."""

    part: str
    signal: Signal


class MappingError(ValueError):
    """A record that reads well but cannot become a signal; the problems say why, per field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


class Adapter(Protocol):
    """One organisation's adapter. `read` and `to_signals` are pure."""

    org: str  # the sending organisation, as in gateway.settings.ORGANISATIONS
    media_type: str  # what its export is: "application/json" or "text/csv"
    suffix: str  # the file suffix of its export files: ".json" or ".csv"

    def read(self, raw: bytes, *, max_records: int | None = None) -> list[NativeRecord]:
        """Every record in one export file or HTTP body, each read or with its problems. With
        `max_records`, an export of more records is refused whole (one problem, nothing read)."""
        ...

    def to_signals(self, native: Any) -> list[Mapped]:
        """The signals one native record means. Raises MappingError when it cannot be mapped."""
        ...


@dataclass(frozen=True)
class ExportAdapter(Generic[N]):
    """An `Adapter` made of its parts: the export's media type, the model of one record, where its
    id is, the mapping, and optionally a last touch on each record read (e.g. naming problems by
    CSV column)."""

    org: str
    media_type: str
    model: type[N]
    record_id: Callable[[dict[str, Any]], Any]
    mapping: Callable[[N], list[Mapped]]
    tidy: Callable[[NativeRecord], NativeRecord] | None = None

    @property
    def suffix(self) -> str:
        return ".json" if self.media_type == "application/json" else ".csv"

    def read(self, raw: bytes, *, max_records: int | None = None) -> list[NativeRecord]:
        reader = read_json_records if self.media_type == "application/json" else read_csv_records
        records = reader(raw, self.model, self.record_id, max_records=max_records)
        return [self.tidy(record) for record in records] if self.tidy else records

    def to_signals(self, native: Any) -> list[Mapped]:
        if not isinstance(native, self.model):
            raise TypeError(f"the {self.org} adapter maps {self.model.__name__}, not {type(native).__name__}")
        return self.mapping(native)


def unknown_codes(codes: Iterable[tuple[str, str | None, Mapping[str, object]]]) -> list[Problem]:
    """A problem for each code (path, value, the table that translates it) its table does not know,
    naming the codes it does."""
    return [
        Problem(path=path, message="unknown code", expected=f"one of {', '.join(table)}")
        for path, value, table in codes
        if value is not None and value not in table
    ]


def read_json_records(
    raw: bytes, model: type[N], record_id: Callable[[dict[str, Any]], Any], *, max_records: int | None = None
) -> list[NativeRecord]:
    """A JSON export: one object, or an array of objects, each validated against `model`.

    `record_id` picks the organisation's id out of a raw object (it may be missing: then None), so a
    record that fails validation can still be named in the summary.
    """
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return [_file_problem(f"not JSON: {error}")]
    items = parsed if isinstance(parsed, list) else [parsed]
    if max_records is not None and len(items) > max_records:
        return [_too_many(max_records)]
    return [_validated(f"record {n}", item, model, record_id) for n, item in enumerate(items, start=1)]


def read_csv_records(
    raw: bytes, model: type[N], record_id: Callable[[dict[str, Any]], Any], *, max_records: int | None = None
) -> list[NativeRecord]:
    """A CSV export with a header row, separated by ";" (as Dutch spreadsheets write it) or ",",
    UTF-8 with or without a byte order mark. Empty cells are absent values."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [_file_problem(f"not UTF-8: {error}")]
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") >= header.count(",") else ","
    records: list[NativeRecord] = []
    for position, row in _rows(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)):
        if max_records is not None and len(records) >= max_records:
            return [_too_many(max_records)]
        if isinstance(row, Problem):
            records.append(NativeRecord(position, None, problems=(row,)))
        elif None in row or None in row.values():
            problem = Problem(path="(row)", message="the number of cells differs from the header")
            records.append(NativeRecord(position, _id(row, record_id), problems=(problem,)))
        else:
            cells = {key.strip(): value.strip() for key, value in row.items() if value and value.strip()}
            records.append(_validated(position, cells, model, record_id))
    return records


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[str, dict[str, Any] | Problem]]:
    """Each row with its position; a row the csv module cannot read (a cell over its limit of
    128 KiB, say) is a problem of its own, and the rows after it are still read."""
    while True:
        try:
            row: dict[str, Any] | Problem = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row = Problem(path="(row)", message=f"not readable as CSV: {error}")
        yield f"line {reader.reader.line_num}", row  # the csv reader's count: also after an error


def _file_problem(message: str) -> NativeRecord:
    return NativeRecord("file", None, problems=(Problem(path="(file)", message=message),))


def _too_many(max_records: int) -> NativeRecord:
    return _file_problem(f"more than {max_records} records in one export: send it in parts")


def _validated(
    position: str, item: object, model: type[N], record_id: Callable[[dict[str, Any]], Any]
) -> NativeRecord:
    if not isinstance(item, dict):
        return NativeRecord(position, None, problems=(Problem(path="(record)", message="not an object"),))
    try:
        native = model.model_validate(item)
    except ValidationError as error:
        return NativeRecord(position, _id(item, record_id), problems=tuple(problems_from(error)))
    return NativeRecord(position, _id(item, record_id), native)


def _id(item: dict[str, Any], record_id: Callable[[dict[str, Any]], Any]) -> str | None:
    try:
        value = record_id(item)
    except (KeyError, TypeError, ValueError):
        return None
    return str(value) if value not in (None, "") else None
