"""Dates and times in the contracts: ISO 8601 text only.

Pydantic would also take a number as a Unix time; between organisations that is ambiguous
(seconds? milliseconds? which zone for a date?), so a number is refused with a clear message.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator


def _text_time(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError(
            "a date-time must be ISO 8601 text with a UTC offset, e.g. 2026-11-23T14:30:00+01:00"
        )
    return value


def _text_date(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date must be ISO 8601 text, e.g. 2026-11-23")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_text_time)]
Day = Annotated[date, BeforeValidator(_text_date)]
