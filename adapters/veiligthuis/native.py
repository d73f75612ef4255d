"""Veilig Thuis's native export: the registrations of its case system as CSV, one row per event.

A row is one registration event (*registratieregel*) in a Veilig Thuis case (*zaak*): the report
(*melding*) that opens the case, the safety assessment (*veiligheidsbeoordeling*, the first one of a
melding or, with `vervolgmoment`, a follow-up after the case closed), the assignment of a contact
person (*toewijzing*), or the closing of the case (*afsluiting*). Column `soort` says which.
Every row names the case, the event, the persons and the professional to call; the other columns
belong to one kind of row and stay empty on the others (`COLUMNS_BY_KIND`). See README.md.

Dates are ISO 8601 text: `yyyy-mm-dd`, and date-times with a UTC offset
(`2026-03-02T09:15:00+01:00`). Anything else, a Unix time included, is refused per row: a number is
ambiguous between organisations.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from adapters.cell_types import Bsn, IsoDate, IsoDateTime

LIST_SEPARATOR = "|"


def _split(value: Any) -> Any:
    """A list in one cell, separated by `|`: `VOLGEN|BEDREIGING`."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(LIST_SEPARATOR)]
    return value


YesNo = Literal["ja", "nee"]

Kind = Literal["melding", "veiligheidsbeoordeling", "toewijzing", "afsluiting"]
ReporterCode = Literal["slachtoffer", "omstander", "professional", "anoniem"]
IndicatorCode = Literal[
    "VOLGEN", "ONGEWENST_CONTACT", "BEDREIGING", "VERNIELING", "POSTEN", "ONLINE", "GEWELD"
]
AppliesToCode = Literal["verdachte", "slachtoffer", "gezin"]
RoleCode = Literal["casusregisseur", "casushouder"]
CloseReasonCode = Literal[
    "afgerond", "overgedragen", "geen_zorgen", "toestemming_ingetrokken", "verhuisd", "anders"
]

FOLLOW_UP_MOMENTS = (3, 12, 18)
"""Veilig Thuis's follow-up (*monitoring*): this many months after the case was closed."""
FOLLOW_UP_EXPECTED = "3, 12 or 18, in whole digits; empty on the assessment of a melding"


def _follow_up_moment(value: Any) -> Any:
    """`vervolgmoment`: the months as whole digits, `3`, `12` or `18`; nothing else (not `6`, not
    `12 mnd`, not `03`), refused with what is expected and never the value."""
    if isinstance(value, str) and value in {str(months) for months in FOLLOW_UP_MOMENTS}:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in FOLLOW_UP_MOMENTS:
        return value
    raise PydanticCustomError(
        "follow_up_moment",
        "not one of Veilig Thuis's follow-up moments (months after the afsluiting)",
        {"expected": FOLLOW_UP_EXPECTED},
    )


FollowUpMoment = Annotated[Literal[3, 12, 18], BeforeValidator(_follow_up_moment)]


class RegistrationRow(BaseModel):
    """*Registratieregel*: one event in a Veilig Thuis case, as one row of the export."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Every row: which case and event, what kind, when, and whom to call.
    zaaknummer: str = Field(
        pattern=r"^VT-[0-9]{4}-[0-9]{6}$", description="Case number, e.g. VT-2026-004711."
    )
    gebeurtenisnummer: int = Field(ge=1, description="Number of the event within the case: 1, 2, 3 ...")
    soort: Kind = Field(description="Kind of row: melding, veiligheidsbeoordeling, toewijzing, afsluiting.")
    geregistreerd_op: IsoDateTime = Field(description="When the event was registered, with UTC offset.")
    medewerker_naam: str = Field(max_length=200, description="The Veilig Thuis professional to call.")
    medewerker_functie: str = Field(max_length=100, description="Their function, e.g. 'casusregisseur'.")
    medewerker_telefoon: str = Field(pattern=r"^\+?[0-9 ()-]{6,20}$", description="Their direct number.")
    team: str | None = Field(default=None, max_length=200, description="Their team or region.")

    # Every row: the persons. A person with any column filled needs voornamen and achternaam.
    verdachte_bsn: Bsn | None = Field(default=None, description="BSN of the (suspected) perpetrator.")
    verdachte_voornamen: str | None = Field(default=None, max_length=200, description="Their given names.")
    verdachte_achternaam: str | None = Field(default=None, max_length=200, description="Their family name.")
    verdachte_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")
    slachtoffer_bsn: Bsn | None = Field(default=None, description="BSN of the victim.")
    slachtoffer_voornamen: str | None = Field(default=None, max_length=200, description="Their given names.")
    slachtoffer_achternaam: str | None = Field(default=None, max_length=200, description="Their family name.")
    slachtoffer_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")
    kind_1_bsn: Bsn | None = Field(default=None, description="BSN of the first child in the family.")
    kind_1_voornamen: str | None = Field(default=None, max_length=200, description="Their given names.")
    kind_1_achternaam: str | None = Field(default=None, max_length=200, description="Their family name.")
    kind_1_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")
    kind_2_bsn: Bsn | None = Field(default=None, description="BSN of the second child.")
    kind_2_voornamen: str | None = Field(default=None, max_length=200, description="Their given names.")
    kind_2_achternaam: str | None = Field(default=None, max_length=200, description="Their family name.")
    kind_2_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")
    kind_3_bsn: Bsn | None = Field(default=None, description="BSN of the third child.")
    kind_3_voornamen: str | None = Field(default=None, max_length=200, description="Their given names.")
    kind_3_achternaam: str | None = Field(default=None, max_length=200, description="Their family name.")
    kind_3_geboortedatum: IsoDate | None = Field(default=None, description="Their date of birth.")

    # melding: the report that opens the case.
    melder: ReporterCode | None = Field(default=None, description="Who reported.")
    incident_op: IsoDateTime | None = Field(default=None, description="When the latest incident happened.")
    incident_plaats: str | None = Field(default=None, max_length=200, description="Where: municipality.")
    kenmerken: list[IndicatorCode] | None = Field(
        default=None, description="Stalking behaviour, `|`-separated."
    )
    toelichting: str | None = Field(default=None, max_length=10_000, description="The intake's free text.")
    zaak_gestart_op: IsoDate | None = Field(default=None, description="First day of the case.")

    # veiligheidsbeoordeling: the safety assessment and the safety conditions.
    beoordeeld_op: IsoDate | None = Field(default=None, description="Day of the safety assessment.")
    acute_onveiligheid: YesNo | None = Field(default=None, description="Acute unsafety: ja or nee.")
    structurele_onveiligheid: YesNo | None = Field(
        default=None, description="Structural unsafety: ja or nee."
    )
    voorwaarde_1: str | None = Field(default=None, max_length=1000, description="First safety condition.")
    voorwaarde_1_geldt_voor: AppliesToCode | None = Field(default=None, description="Who keeps to it.")
    voorwaarde_2: str | None = Field(default=None, max_length=1000, description="Second safety condition.")
    voorwaarde_2_geldt_voor: AppliesToCode | None = Field(default=None, description="Who keeps to it.")
    voorwaarde_3: str | None = Field(default=None, max_length=1000, description="Third safety condition.")
    voorwaarde_3_geldt_voor: AppliesToCode | None = Field(default=None, description="Who keeps to it.")
    voorwaarde_4: str | None = Field(default=None, max_length=1000, description="Fourth safety condition.")
    voorwaarde_4_geldt_voor: AppliesToCode | None = Field(default=None, description="Who keeps to it.")
    voorwaarde_5: str | None = Field(default=None, max_length=1000, description="Fifth safety condition.")
    voorwaarde_5_geldt_voor: AppliesToCode | None = Field(default=None, description="Who keeps to it.")
    monitoring_op: list[IsoDate] | None = Field(default=None, description="Monitoring days, `|`-separated.")
    vervolgmoment: FollowUpMoment | None = Field(
        default=None,
        description="A follow-up (*monitoring*) assessment: 3, 12 or 18 months after the afsluiting; "
        "empty on the assessment of a melding.",
    )

    # toewijzing: the medewerker of this row now holds a role in the case.
    rol: RoleCode | None = Field(
        default=None, description="The role assigned: casusregisseur or casushouder."
    )
    bereikbaarheid: str | None = Field(default=None, max_length=100, description="When to reach them.")

    # afsluiting: the case is closed (zaak_gestart_op is needed here too).
    afgesloten_op: IsoDate | None = Field(default=None, description="Last day of the case.")
    reden_afsluiting: CloseReasonCode | None = Field(default=None, description="Why the case was closed.")

    @field_validator("kenmerken", "monitoring_op", mode="before")
    @classmethod
    def _one_cell_list(cls, value: Any) -> Any:
        return _split(value)


PERSONS = ("verdachte", "slachtoffer", "kind_1", "kind_2", "kind_3")
"""The column prefixes of the persons a row names."""
PERSON_COLUMNS = ("bsn", "voornamen", "achternaam", "geboortedatum")
COMMON_COLUMNS = frozenset(
    {"zaaknummer", "gebeurtenisnummer", "soort", "geregistreerd_op"}
    | {"medewerker_naam", "medewerker_functie", "medewerker_telefoon", "team"}
    | {f"{person}_{column}" for person in PERSONS for column in PERSON_COLUMNS}
)
"""The columns every kind of row uses."""

CONDITIONS = tuple((f"voorwaarde_{n}", f"voorwaarde_{n}_geldt_voor") for n in range(1, 6))


class KindColumns(NamedTuple):
    required: frozenset[str]
    optional: frozenset[str]


COLUMNS_BY_KIND: dict[str, KindColumns] = {
    "melding": KindColumns(
        required=frozenset({"melder", "incident_op", "incident_plaats"}),
        optional=frozenset({"kenmerken", "toelichting", "zaak_gestart_op"}),
    ),
    "veiligheidsbeoordeling": KindColumns(
        required=frozenset({"beoordeeld_op", "acute_onveiligheid", "structurele_onveiligheid"}),
        optional=frozenset(
            {column for pair in CONDITIONS for column in pair} | {"monitoring_op", "vervolgmoment"}
        ),
    ),
    "toewijzing": KindColumns(required=frozenset({"rol"}), optional=frozenset({"bereikbaarheid"})),
    "afsluiting": KindColumns(
        required=frozenset({"zaak_gestart_op", "afgesloten_op", "reden_afsluiting"}), optional=frozenset()
    ),
}
"""Besides the common columns, the columns each kind of row uses; all others stay empty on it."""


def record_id(cells: dict[str, Any]) -> str | None:
    """The row's id: case number and event number, e.g. `VT-2026-004711/3`. Two rows never share it."""
    case, event = cells.get("zaaknummer"), cells.get("gebeurtenisnummer")
    if not isinstance(case, str) or not isinstance(event, str) or not case.strip() or not event.strip():
        return None
    return f"{case.strip()}/{event.strip()}"
