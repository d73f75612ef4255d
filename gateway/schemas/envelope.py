"""The CloudEvents 1.0 envelope in Kafka binary mode: attributes in `ce_*` headers, body in the value.

One builder (`new_envelope`) and one parser (`Envelope.from_headers`) used by adapters and gateway
alike. Headers carry no personal data: intermediaries log them.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SOURCE_RE = re.compile(r"^urn:ketenpoort:(?P<org>[a-z0-9]+)(?::(?P<unit>[a-z0-9-]+))?$")
TYPE_RE = re.compile(r"^nl\.ketenpoort\.(?P<signal>[a-z_]+)\.v(?P<major>[0-9]+)$")
TRACEPARENT_RE = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

Headers = list[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """The headers do not form a valid Ketenpoort envelope. The message says which attribute and why."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Unique per signal; also the idempotency key.")
    source: str = Field(pattern=SOURCE_RE.pattern, description="urn:ketenpoort:<org>[:<unit>]")
    type: str = Field(pattern=TYPE_RE.pattern, description="nl.ketenpoort.<signal>.v<major>")
    time: AwareDatetime = Field(description="When the sender produced the signal.")
    dataschema: str = Field(description="URN of the body's schema, with its full version.")
    traceparent: str = Field(pattern=TRACEPARENT_RE, description="W3C trace context.")

    @property
    def org(self) -> str:
        match = SOURCE_RE.match(self.source)
        assert match is not None  # guaranteed by the field pattern
        return match["org"]

    @property
    def signal(self) -> str:
        match = TYPE_RE.match(self.type)
        assert match is not None
        return match["signal"]

    @property
    def trace_id(self) -> str:
        return self.traceparent.split("-")[1]

    def to_headers(self) -> Headers:
        attributes = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": str(self.id),
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_dataschema": self.dataschema,
            "traceparent": self.traceparent,
            "content-type": CONTENT_TYPE,
        }
        return [(name, value.encode()) for name, value in attributes.items()]

    @classmethod
    def from_headers(cls, headers: Headers) -> Envelope:
        found: dict[str, str] = {}
        for name, raw in headers:
            try:
                found[name] = raw.decode() if raw is not None else ""
            except UnicodeDecodeError:
                raise EnvelopeError(f"header {name!r} is not UTF-8") from None
        required = (
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_dataschema",
            "traceparent",
        )
        missing = [name for name in required if name not in found]
        if missing:
            raise EnvelopeError(f"missing header(s): {', '.join(missing)}")
        if found["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"ce_specversion must be {SPEC_VERSION!r}, got {found['ce_specversion']!r}")
        try:
            return cls(
                id=found["ce_id"],
                source=found["ce_source"],
                type=found["ce_type"],
                time=found["ce_time"],
                dataschema=found["ce_dataschema"],
                traceparent=found["traceparent"],
            )
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise EnvelopeError(f"header ce_{field}: {first['msg']}") from None


def new_traceparent() -> str:
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def new_envelope(
    *,
    org: str,
    signal: str,
    version: str,
    unit: str | None = None,
    id: UUID | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> Envelope:
    major = version.split(".")[0]
    return Envelope(
        id=id or uuid4(),
        source=f"urn:ketenpoort:{org}" + (f":{unit}" if unit else ""),
        type=f"nl.ketenpoort.{signal}.v{major}",
        time=time or datetime.now(UTC),
        dataschema=f"urn:ketenpoort:schema:{signal}:{version}",
        traceparent=traceparent or new_traceparent(),
    )
