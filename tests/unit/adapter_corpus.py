"""What the JSON adapters' unit tests share (tests/unit/test_<org>_adapter.py): a raw sample record,
the problems of a record that reads but cannot be mapped, and the outcome of a bad export."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from adapters.exports import Adapter, Mapped, MappingError, NativeRecord


def raw_sample(path: Path, n: int = 0) -> dict[str, Any]:
    """Record `n` of a sample export (a JSON object, or a list of them), as parsed JSON."""
    parsed = orjson.loads(path.read_bytes())
    item: dict[str, Any] = (parsed if isinstance(parsed, list) else [parsed])[n]
    return item


def mapping_problems(adapter: Adapter, model: type[BaseModel], item: dict[str, Any]) -> list[str]:
    """The problem paths of one raw record that reads well but cannot be mapped."""
    with pytest.raises(MappingError) as raised:
        adapter.to_signals(model.model_validate(item))
    return [problem.path for problem in raised.value.problems]


def rejected_paths(
    adapter: Adapter,
    records: Sequence[NativeRecord],
    never_repeated: Iterable[str],
    *,
    one_signal_each: bool = False,
) -> dict[str, list[str]]:
    """Per refused record of a bad export (unreadable, or read but not mappable): its problems'
    paths. Every problem says what is wrong and repeats none of `never_repeated`; every other
    record maps to signals (exactly one when `one_signal_each`)."""
    never = tuple(never_repeated)
    rejected: dict[str, list[str]] = {}
    for record in records:
        problems = list(record.problems)
        if record.ok:
            try:
                mapped = adapter.to_signals(record.native)
            except MappingError as error:
                problems = list(error.problems)
            else:
                assert mapped and all(isinstance(item, Mapped) for item in mapped)
                assert not one_signal_each or len(mapped) == 1, mapped
        if problems:
            rejected[record.position] = [problem.path for problem in problems]
            text = " ".join(str(problem) for problem in problems)
            assert not any(value in text for value in never), text
            assert all(problem.message for problem in problems)
    return rejected
