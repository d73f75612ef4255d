"""The one logging setup: structlog, JSON, one event per line, on stderr, never a BSN.

Ketenpoort's own log calls carry ids, types and organisations only. The last step before
rendering also removes what a library might let slip (an exception message quoting a record, say):
fields named like personal data are dropped, and any nine-digit number that passes the BSN 11-test
is masked wherever it appears, except inside a well-formed id under an id's key (a W3C trace id,
a UUID): about one random trace id in 200 holds such a run (measured over 200 000), and masking it
broke following that signal through the logs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import orjson
import structlog

from gateway.schemas.persons import check_bsn  # the one definition of a valid BSN

PERSONAL_KEYS = frozenset(
    {"bsn", "given_name", "family_name", "name", "birth_date", "address", "street", "postal_code",
     "description", "body", "data", "value", "voornamen", "achternaam", "geboortedatum", "toelichting"}
)  # fmt: skip
NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")
# Opaque ids the gateway and the adapters generate: kept whole when they have their form.
ID_KEYS = frozenset(
    {"trace_id", "span_id", "signal_id", "alert_id", "obligation_id", "record_id", "event_id", "first"}
)
ID_FORM = re.compile(
    r"[0-9a-f]{16}|[0-9a-f]{32}"  # W3C span and trace ids
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # UUIDs
)


def _mask_bsns(text: str) -> str:
    if NINE_DIGITS.search(text) is None:
        return text

    def mask(match: re.Match[str]) -> str:
        try:
            check_bsn(match.group())
        except ValueError:
            return match.group()
        return "[bsn]"

    return NINE_DIGITS.sub(mask, text)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _mask_bsns(value)
    if isinstance(value, MutableMapping):
        return {k: _scrub_field(str(k).lower(), v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrub(item) for item in value]
    return value


def _scrub_field(key: str, value: Any) -> Any:
    if key in PERSONAL_KEYS:
        return "[removed]"
    if key in ID_KEYS and isinstance(value, str) and ID_FORM.fullmatch(value):
        return value
    return _scrub(value)


def drop_personal_data(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Remove personal data from a log event: see the module docstring."""
    scrubbed: MutableMapping[str, Any] = _scrub(event)
    return scrubbed


def configure_logging(level: str = "INFO", stream: TextIO = sys.stderr) -> None:
    """Route structlog and the standard library (aiokafka, faststream) through one JSON renderer."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            drop_personal_data,
            structlog.processors.JSONRenderer(serializer=lambda o, **_: orjson.dumps(o).decode()),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka is chatty about every (re)connection at INFO.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # httpx logs every request at INFO: the policy engine is asked every second.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    # FastStream logs each message received and processed: a debug-level fact, not an event.
    logging.getLogger("faststream").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
