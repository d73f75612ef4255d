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

from gateway.schemas.problems import Problem, problems_from

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SOURCE_RE = re.compile(r"^urn:ketenpoort:(?P<org>[a-z0-9]+)(?::(?P<unit>[a-z0-9-]+))?$")
TYPE_RE = re.compile(r"^nl\.ketenpoort\.(?P<signal>[a-z_]+)\.v(?P<major>[0-9]+)$")
DATASCHEMA_RE = re.compile(
    r"^urn:ketenpoort:schema:(?P<signal>[a-z_]+):(?P<version>(?P<major>[0-9]+)\.(?P<minor>[0-9]+))$"
)
TRACEPARENT_RE = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"

Headers = list[tuple[str, bytes]]
HEADER_OF = {
    "id": "ce_id",
    "source": "ce_source",
    "type": "ce_type",
    "time": "ce_time",
    "dataschema": "ce_dataschema",
    "traceparent": "traceparent",
}
REQUIRED_HEADERS = ("ce_specversion", *HEADER_OF.values())


class EnvelopeError(ValueError):
    """The headers do not form a valid Ketenpoort envelope. `problems` says which attribute and why;
    `missing` tells headers that are absent from headers that are wrong."""

    def __init__(self, problems: list[Problem], *, missing: bool = False) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems
        self.missing = missing


def _part(pattern: re.Pattern[str], value: str, group: str) -> str:
    """One named part of an attribute its field's pattern has already checked."""
    match = pattern.match(value)
    assert match is not None  # guaranteed by the field's pattern
    return match[group]


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Unique per signal; also the idempotency key.")
    source: str = Field(pattern=SOURCE_RE.pattern, description="urn:ketenpoort:<org>[:<unit>]")
    type: str = Field(pattern=TYPE_RE.pattern, description="nl.ketenpoort.<signal>.v<major>")
    time: AwareDatetime = Field(description="When the sender produced the signal.")
    dataschema: str = Field(
        pattern=DATASCHEMA_RE.pattern,
        description="urn:ketenpoort:schema:<signal>:<major.minor>: the body's schema, with its full version.",
    )
    traceparent: str = Field(pattern=TRACEPARENT_RE, description="W3C trace context.")

    @property
    def org(self) -> str:
        return _part(SOURCE_RE, self.source, "org")

    @property
    def unit(self) -> str | None:
        """The sender's unit or region (`urn:ketenpoort:police:rotterdam` → `rotterdam`), if given."""
        match = SOURCE_RE.match(self.source)
        assert match is not None  # guaranteed by the field's pattern
        return match["unit"]

    @property
    def signal(self) -> str:
        return _part(TYPE_RE, self.type, "signal")

    @property
    def major(self) -> str:
        """The major version `ce_type` names (`nl.ketenpoort.new_report.v1` → `1`)."""
        return _part(TYPE_RE, self.type, "major")

    @property
    def schema_signal(self) -> str:
        """The signal type the dataschema names (`urn:ketenpoort:schema:new_report:1.0` → `new_report`)."""
        return _part(DATASCHEMA_RE, self.dataschema, "signal")

    @property
    def schema_version(self) -> str:
        """The body's full version (`urn:ketenpoort:schema:new_report:1.0` → `1.0`)."""
        return _part(DATASCHEMA_RE, self.dataschema, "version")

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
                raise EnvelopeError([Problem(path=f"header {name}", message="not UTF-8")]) from None
        missing = [name for name in REQUIRED_HEADERS if name not in found]
        if missing:
            problems = [Problem(path=f"header {name}", message="missing") for name in missing]
            raise EnvelopeError(problems, missing=True)
        if found["ce_specversion"] != SPEC_VERSION:
            wrong = Problem(
                path="header ce_specversion", message="unsupported version", expected=SPEC_VERSION
            )
            raise EnvelopeError([wrong])
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
            problems = [
                problem.model_copy(update={"path": f"header {HEADER_OF[problem.path]}"})
                for problem in problems_from(error)
            ]
            raise EnvelopeError(problems) from None


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
