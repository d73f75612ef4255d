"""What every signal type shares: a name and version, the persons it is about, and policy attributes."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from gateway.schemas.persons import Person


class ContactPerson(BaseModel):
    """Whom a partner should call about this signal. A professional, not a subject."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(description="Role, e.g. 'casusregisseur', 'vaste contactpersoon'.", max_length=100)
    name: str = Field(description="The professional's name.", max_length=200)
    phone: str = Field(description="Direct phone number.", pattern=r"^\+?[0-9 ()-]{6,20}$")
    unit: str | None = Field(default=None, description="Team or unit.", max_length=200)


class Signal(BaseModel):
    """Base of every signal body. Subclasses set `name` and `version` and describe every field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ClassVar[str]
    version: ClassVar[str]

    suspect: Person | None = Field(default=None, description="The person suspected of stalking or violence.")
    victim: Person | None = Field(default=None, description="The person who is stalked or threatened.")
    children: list[Person] = Field(default_factory=list, description="Children in the family system.")

    @classmethod
    def versions(cls) -> tuple[str, ...]:
        """The versions a body may say it is: every minor of the current major up to the current one.
        A later minor only adds optional fields (checked by `ketenpoort contracts check`), so a body of
        an earlier minor is valid under the current model; a later minor is not known here yet."""
        major, minor = (int(part) for part in cls.version.split("."))
        return tuple(f"{major}.{m}" for m in range(minor + 1))

    def subject(self) -> Person | None:
        """The person the chain links this signal by: the suspect, else the victim."""
        return self.suspect or self.victim

    def attributes(self) -> dict[str, Any]:
        """Envelope-level facts the sharing policy may decide on. Never free text or identifiers."""
        return {"minors_involved": bool(self.children)}
