"""Probation's native export: supervision events and ankle-tag alerts as CSV, one row per event.

The three probation organisations (3RO) export the events of a supervision case (*toezichtzaak*)
from their supervision system, and the electronic-monitoring centre (*meldkamer elektronische
monitoring*) exports its ankle-tag alerts (*enkelbandalarmen*) for the same cases, in one format:
";"-separated, a header row, UTF-8. Column `soort` says what kind of event a row is; each kind is
its own model below, so a row carries exactly its kind's columns and the others stay empty. The
record id is the case number and the event id (`RN-2026-004417/EM-26-118934`). See README.md for
every column and a sample.

Dates are ISO 8601 text: `yyyy-mm-dd`, and date-times with a UTC offset
(`2026-04-18T22:47:00+02:00`). Anything else, a Unix time or a local time without offset included,
is refused per row: a number is ambiguous between organisations, and a local hour in October occurs
twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, Tag

from adapters.cell_types import Bsn, IsoDate, IsoDateTime
from adapters.exports import NativeRecord
from gateway.schemas.problems import Problem

PHONE = r"^\+?[0-9 ()-]{6,20}$"


Name = Annotated[str, Field(min_length=1, max_length=200)]


class Framework(StrEnum):
    """*Kader*: the measure or conditions the supervision is about."""

    BEHAVIOURAL_ORDER = "GEDRAGSAANWIJZING"
    CONTACT_BAN = "CONTACTVERBOD"
    AREA_BAN = "GEBIEDSVERBOD"
    ANKLE_TAG = "ENKELBAND"
    SPECIAL_CONDITIONS = "BIJZONDERE_VOORWAARDEN"
    SUSPENSION_CONDITIONS = "SCHORSINGSVOORWAARDEN"


class AlarmCode(StrEnum):
    """What the ankle tag reported."""

    EXCLUSION_ZONE = "UITSLUITINGSZONE"
    """Entered an exclusion zone (*uitsluitingszone*), e.g. the street where the victim lives."""
    INCLUSION_ZONE = "INSLUITINGSZONE"
    """Left an inclusion zone (*insluitingszone*), e.g. home during curfew hours."""
    TAMPER = "SABOTAGE"
    """The strap or the housing was tampered with."""
    NO_SIGNAL = "GEEN_SIGNAAL"
    """No position or no contact with the tag for longer than allowed."""


class BreachCode(StrEnum):
    """What the supervisor found."""

    MISSED_APPOINTMENT = "AFSPRAAK_GEMIST"
    """Did not come to an appointment with the supervisor."""
    MISSED_REPORTING = "MELDPLICHT_NIET_NAGEKOMEN"
    """Did not report in as the reporting duty (*meldplicht*) requires."""
    TREATMENT_ABANDONED = "BEHANDELING_NIET_GEVOLGD"
    """Does not follow the treatment or training the conditions require."""
    VICTIM_CONTACT = "CONTACT_SLACHTOFFER"
    """Had contact with the victim despite a contact ban."""
    AREA_ENTERED = "GEBIED_BETREDEN"
    """Was in the area the area ban forbids."""


class Source(StrEnum):
    """*Bron*: how the supervisor learnt of the breach."""

    SUPERVISOR = "TOEZICHTHOUDER"
    VICTIM = "SLACHTOFFER"
    POLICE = "POLITIE"
    OTHER = "DERDEN"


class InstrumentCode(StrEnum):
    RISC = "RISC"
    B_SAFER = "B_SAFER"
    SRP = "SRP"


class YesNo(StrEnum):
    YES = "ja"
    NO = "nee"


RiskLevelCode = Literal["laag", "midden", "hoog"]


class EventColumns(BaseModel):
    """The columns every kind of row has: which case and event, when, who, and whom to call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zaaknummer: str = Field(
        pattern=r"^(RN|LJR|SVG)-[0-9]{4}-[0-9]{6}$",
        description="Supervision case number, prefixed with the organisation: RN (Reclassering "
        "Nederland), LJR (Leger des Heils Jeugdbescherming & Reclassering), SVG (Verslavingsreclassering "
        "GGZ), e.g. RN-2026-004417.",
    )
    gebeurtenis_id: str = Field(
        pattern=r"^(TZ|EM)-[0-9][0-9-]{0,19}$",
        description="The event's id: TZ-... from the supervision system, or the monitoring centre's alert "
        "number EM-... for an ankle-tag alert. Unique within the case.",
    )
    tijdstip: IsoDateTime = Field(description="When the event happened, with a UTC offset.")
    kader: Framework | None = Field(
        default=None, description="The measure or conditions supervised, e.g. GEDRAGSAANWIJZING."
    )
    client_bsn: Bsn | None = Field(default=None, description="BSN of the supervised person (*cliënt*).")
    client_voornamen: Name = Field(description="Given names of the supervised person.")
    client_achternaam: Name = Field(description="Family name of the supervised person, with any prefix.")
    client_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")
    slachtoffer_voornamen: Name | None = Field(
        default=None, description="Given names of the victim the conditions protect."
    )
    slachtoffer_achternaam: Name | None = Field(default=None, description="The victim's family name.")
    slachtoffer_geboortedatum: IsoDate | None = Field(default=None, description="The victim's date of birth.")
    toezichthouder_naam: Name = Field(description="The supervisor (*toezichthouder*) to call.")
    toezichthouder_telefoon: str = Field(pattern=PHONE, description="The supervisor's direct number.")
    toezichthouder_unit: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Organisation and unit, e.g. 'Reclassering Nederland, unit Rotterdam-Zuid'.",
    )


class AnkleTagAlert(EventColumns):
    """*Enkelbandalarm*: the monitoring centre's alert on the supervised person's ankle tag."""

    soort: Literal["ENKELBANDALARM"] = Field(description="Kind of row.")
    kader: Framework = Field(description="The measure whose zones or tag the alert is about.")
    alarmcode: AlarmCode = Field(description="What the tag reported.")
    zone_slachtoffer: YesNo | None = Field(
        default=None,
        description="For UITSLUITINGSZONE: ja when the zone protects the victim (around their home, work "
        "or school). Decides the severity.",
    )
    plaats: str | None = Field(
        default=None, min_length=1, max_length=200, description="Municipality of the position."
    )
    toelichting: str | None = Field(
        default=None, min_length=1, max_length=10_000, description="The monitoring centre's account."
    )


class SupervisionBreach(EventColumns):
    """*Overtreding*: the supervisor found that the supervised person broke a condition."""

    soort: Literal["OVERTREDING"] = Field(description="Kind of row.")
    kader: Framework = Field(description="The measure or conditions that were broken.")
    overtredingscode: BreachCode = Field(description="What was broken.")
    bron: Source = Field(default=Source.SUPERVISOR, description="How the supervisor learnt of it.")
    plaats: str | None = Field(
        default=None, min_length=1, max_length=200, description="Municipality where it happened."
    )
    toelichting: str | None = Field(
        default=None, min_length=1, max_length=10_000, description="The supervisor's account."
    )


class SupervisionStart(EventColumns):
    """*Start toezicht*: probation starts supervising the person."""

    soort: Literal["START_TOEZICHT"] = Field(description="Kind of row.")


class SupervisorAssigned(EventColumns):
    """*Toewijzing toezichthouder*: the supervisor of this row now holds the case."""

    soort: Literal["TOEWIJZING_TOEZICHTHOUDER"] = Field(description="Kind of row.")
    bereikbaarheid: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="When to reach them, e.g. 'ma-vr 08:30-17:00'.",
    )


class RiskReassessment(EventColumns):
    """*Risicotaxatie*: probation (re-)assessed the risk with one of its tools."""

    soort: Literal["RISICOTAXATIE"] = Field(description="Kind of row.")
    instrument: InstrumentCode = Field(description="The tool: RISC, B_SAFER or SRP.")
    risiconiveau: RiskLevelCode = Field(description="The assessed level: laag, midden or hoog.")
    vorig_risiconiveau: RiskLevelCode | None = Field(
        default=None, description="The level of the previous assessment in this case."
    )
    taxateur_naam: Name | None = Field(
        default=None, description="Who assessed, when not the supervisor (e.g. the advice unit)."
    )
    taxateur_telefoon: str | None = Field(default=None, pattern=PHONE, description="The assessor's number.")


Event = AnkleTagAlert | SupervisionBreach | SupervisionStart | SupervisorAssigned | RiskReassessment
KINDS: dict[str, type[Event]] = {
    "ENKELBANDALARM": AnkleTagAlert,
    "OVERTREDING": SupervisionBreach,
    "START_TOEZICHT": SupervisionStart,
    "TOEWIJZING_TOEZICHTHOUDER": SupervisorAssigned,
    "RISICOTAXATIE": RiskReassessment,
}
"""Each value of `soort` and the model of its rows."""

KIND_UNKNOWN = "missing or unknown kind of row"


def _kind(cells: Any) -> str | None:
    value = cells.get("soort") if isinstance(cells, dict) else getattr(cells, "soort", None)
    return value if value in KINDS else None


class ProbationRow(RootModel[Event]):
    """One row of the export, read as the model its `soort` names."""

    root: Annotated[
        Annotated[AnkleTagAlert, Tag("ENKELBANDALARM")]
        | Annotated[SupervisionBreach, Tag("OVERTREDING")]
        | Annotated[SupervisionStart, Tag("START_TOEZICHT")]
        | Annotated[SupervisorAssigned, Tag("TOEWIJZING_TOEZICHTHOUDER")]
        | Annotated[RiskReassessment, Tag("RISICOTAXATIE")],
        Discriminator(
            _kind,
            custom_error_type="kind",
            custom_error_message=KIND_UNKNOWN,
            custom_error_context={"expected": f"one of {', '.join(KINDS)}"},
        ),
    ]


def record_id(cells: dict[str, Any]) -> str | None:
    """The row's id: case number and event id, e.g. `RN-2026-004417/EM-26-118934`; picked from the raw
    cells so that a row that fails validation is still named. Two rows never share it."""
    case, event = cells.get("zaaknummer"), cells.get("gebeurtenis_id")
    if not isinstance(case, str) or not isinstance(event, str) or not case.strip() or not event.strip():
        return None
    return f"{case.strip()}/{event.strip()}"


def named_by_column(record: NativeRecord) -> NativeRecord:
    """The record with each problem's path naming the CSV column alone.

    Pydantic puts the kind of row in front of a problem's path (`ENKELBANDALARM.alarmcode`) and
    reports a missing or unknown kind at the row itself; the person fixing the export looks for the
    column (`alarmcode`, `soort`).
    """
    if not record.problems:
        return record
    return NativeRecord(
        record.position, record.record_id, record.native, tuple(_by_column(p) for p in record.problems)
    )


def _by_column(problem: Problem) -> Problem:
    if problem.message == KIND_UNKNOWN:
        return problem.model_copy(update={"path": "soort"})
    kind, _, column = problem.path.partition(".")
    if kind in KINDS and column:
        return problem.model_copy(update={"path": column})
    return problem
