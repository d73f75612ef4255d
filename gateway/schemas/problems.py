"""Errors as values a sender can act on: which field, what is wrong, what is expected instead.

Never the offending value itself: it may be personal data, and problems travel in receipts,
dead-letter headers and logs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Where: a dotted field path into the body, or `header <name>`.")
    message: str = Field(description="What is wrong.")
    expected: str | None = Field(default=None, description="What to send instead.")

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" + (f" (expected {self.expected})" if self.expected else "")


def _expected(error: Any) -> str | None:
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if "expected" in ctx:
        return str(ctx["expected"])
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    if "max_length" in ctx:
        return f"at most {ctx['max_length']} {'characters' if kind.startswith('string') else 'items'}"
    if "min_length" in ctx:
        return f"at least {ctx['min_length']} {'characters' if kind.startswith('string') else 'items'}"
    if kind == "missing":
        return "this required field"
    if kind == "extra_forbidden":
        return "no such field: remove it"
    if kind == "timezone_aware":
        return "a date-time with a UTC offset, e.g. 2026-11-23T14:30:00+01:00"
    if kind in ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"):
        return "an ISO 8601 date-time with a UTC offset"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return "an ISO 8601 date, e.g. 2026-11-23"
    if kind == "uuid_parsing" or kind == "uuid_type":
        return "a UUID"
    return None


def problems_from(error: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "(body)"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(path=f"{prefix}{path}", message=message, expected=_expected(item)))
    return problems
