"""Field types for native exports that arrive as text (CSV cells): dates and times as ISO 8601
text only, and BSNs that pass the 11-test, each refused with what is expected and never the value.

pydantic on its own would read "1772496000" as a date (a Unix time) and a time without an offset
as local: both are ambiguous in a chain that spans organisations, so both are refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from gateway.schemas.persons import check_bsn

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
DATE_EXAMPLE = "an ISO 8601 date yyyy-mm-dd, e.g. 2026-04-18"
DATE_TIME_EXAMPLE = "an ISO 8601 date-time with a UTC offset, e.g. 2026-04-18T22:47:00+02:00"


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "iso_date", "not a day of the calendar", {"expected": DATE_EXAMPLE}
            ) from None
    raise PydanticCustomError("iso_date", "not an ISO 8601 date", {"expected": DATE_EXAMPLE})


def _iso_date_time(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "iso_date_time", "not a moment of the calendar", {"expected": DATE_TIME_EXAMPLE}
            ) from None
    raise PydanticCustomError(
        "iso_date_time", "not an ISO 8601 date-time with a UTC offset", {"expected": DATE_TIME_EXAMPLE}
    )


def _bsn(value: Any) -> str:
    try:
        return check_bsn(str(value))
    except ValueError as error:
        raise PydanticCustomError(
            "bsn", str(error), {"expected": "a BSN of nine digits that passes the 11-test"}
        ) from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_date_time)]
Bsn = Annotated[str, BeforeValidator(_bsn)]
