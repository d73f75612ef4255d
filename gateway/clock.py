"""The time a service reads: `now_utc` unless a test gives it another (`Clock`), to move an
obligation's clock through weeks in seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def now_utc() -> datetime:
    return datetime.now(UTC)
