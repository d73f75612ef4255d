"""The case conference (*actieoverleg*, the safety house's *casusoverleg*): a high-risk case on its
agenda, the case discussed, and its plan as tasks, each with the partner that owns it and a due date
(DOMAIN.md: "high risk on the case conference, with a plan of tasks, owners and dates"; seed 000:
"Alle hoog risicozaken komen op het actieoverleg voor afstemming en het maken van een plan met
taken en verantwoordelijkheden").

The safety house's process director (*procesregisseur*) keeps the plan and sends it again as its
tasks are done; each open task is an obligation of its owner (gateway/obligations.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from gateway.schemas.base import ContactPerson, Signal
from gateway.schemas.risk_assessment import RiskLevel
from gateway.schemas.times import Day
from gateway.settings import PARTNERS

ORGANISATION_CODE = r"^[a-z0-9]{2,20}$"
OTHER_OWNER = "other"


class ConferenceStatus(StrEnum):
    SCHEDULED = "scheduled"
    """The case is on the agenda of the conference on `conference_on`."""
    HELD = "held"
    """The conference discussed the case on `conference_on` and agreed the plan in `tasks`."""
    PLAN_UPDATED = "plan_updated"
    """Between conferences: the process director records the plan's progress (a task done or
    cancelled, a new task)."""


class TaskAction(StrEnum):
    """What a task asks, as a code a partner's system can act on; `description` says it in words."""

    RISK_SCREENING = "risk_screening"
    """A (fresh) SASH risk screening."""
    SAFETY_ASSESSMENT = "safety_assessment"
    """A safety assessment, or safety agreements with the family."""
    CONTACT_VICTIM = "contact_victim"
    """Contact with the victim: her safety, her wishes, what happens next."""
    INFORM_VICTIM = "inform_victim"
    """Tell the victim of a release, a measure or a decision."""
    STOP_TALK = "stop_talk"
    """A *stopgesprek* with the suspect."""
    REQUEST_MEASURE = "request_measure"
    """Ask for or impose a measure (a behavioural order, a huisverbod, a civil ban)."""
    CHECK_CONDITIONS = "check_conditions"
    """Check the conditions or a measure are kept (supervision, an ankle tag)."""
    ARRANGE_CARE = "arrange_care"
    """Arrange care or treatment for someone in the family."""
    CHILD_SAFETY = "child_safety"
    """The children's safety: an inquiry, a request to the Child Protection Board."""
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    """Not to be done any more (the conference changed its plan)."""


class CaseTask(BaseModel):
    """One task of the plan: what, which partner owns it, by when, and whether it is done."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str = Field(
        pattern=r"^[A-Za-z0-9._-]{1,40}$",
        description="The task's own id in the plan, the same each time the plan is sent.",
    )
    action: TaskAction = Field(description="What the task asks, as a code.")
    description: str | None = Field(
        default=None,
        max_length=300,
        description="The task in words, as the conference wrote it; for the partners at the table.",
    )
    owner: str = Field(
        pattern=ORGANISATION_CODE,
        description="The chain partner that owns the task, by its code; `other` for an organisation "
        "outside the chain (the municipality, a care provider), named in `owner_name`.",
    )
    owner_name: str | None = Field(
        default=None,
        max_length=200,
        validate_default=True,
        description="Owner `other`: the organisation, e.g. 'Gemeente Rotterdam, wijkteam Noord'. Its task "
        "stays in the plan; the chain opens no obligation for it.",
    )
    due_on: Day = Field(description="The last day the task is due.")
    status: TaskStatus = Field(default=TaskStatus.OPEN, description="Open, done or cancelled.")

    @field_validator("owner")
    @classmethod
    def _a_partner(cls, value: str) -> str:
        return value if value == OTHER_OWNER else partner_code(value)

    @field_validator("owner_name")
    @classmethod
    def _named_when_other(cls, value: str | None, info: ValidationInfo) -> str | None:
        owner = info.data.get("owner")
        if owner == OTHER_OWNER and not value:
            raise ValueError("owner 'other' needs owner_name: the organisation outside the chain")
        if owner is not None and owner != OTHER_OWNER and value is not None:
            raise ValueError(f"owner_name is for owner 'other' only; {owner!r} is a chain partner")
        return value


def partner_code(code: str) -> str:
    """`code` if it names a chain partner (partners.json), else a clear error listing them."""
    if code not in PARTNERS:
        raise ValueError(f"{code!r} is not a chain partner's code: one of {', '.join(PARTNERS)}")
    return code


class CaseConference(Signal):
    """*Actieoverleg* / *casusoverleg*: a case on the agenda of the case conference, the case
    discussed there, or its plan's progress.

    Send it when the case is put on the agenda (`scheduled`), after the conference (`held`, with
    the plan's tasks) and when a task of the plan is done, cancelled or added (`plan_updated`, with
    the whole plan as it stands). Each open task becomes an obligation of the partner that owns it;
    a task sent again as done or cancelled closes it. A conference held with the case meets the
    obligation to bring a high-risk case to the conference.
    """

    name: ClassVar[str] = "case_conference"
    version: ClassVar[str] = "1.0"

    conference_id: str = Field(
        pattern=r"^[A-Za-z0-9._/-]{1,40}$",
        description="The safety house's number for the case on its conference, the same in each signal "
        "about it: a task is known by this and its task_id.",
    )
    status: ConferenceStatus = Field(description="Scheduled, held, or the plan updated.")
    conference_on: Day = Field(description="The day of the conference: planned, or when it was held.")
    participants: list[str] = Field(
        min_length=1,
        max_length=12,
        description="The partners at the table (or invited, when scheduled), by their code.",
    )
    risk_level: RiskLevel | None = Field(
        default=None, description="The risk level the conference works from (SASH), if it is known."
    )
    tasks: list[CaseTask] = Field(
        default_factory=list,
        max_length=50,
        description="The plan: every task, open, done or cancelled. Empty when scheduled.",
    )
    contact: ContactPerson = Field(description="Whom to call: the process director (procesregisseur).")

    def attributes(self) -> dict[str, Any]:
        return {
            **super().attributes(),
            "conference_status": self.status.value,
            "participants": sorted(set(self.participants)),
            # Every chain partner with a task in the plan, open or not: the owner of a task cancelled
            # or done must learn so too.
            "task_owners": sorted({t.owner for t in self.tasks if t.owner != OTHER_OWNER}),
            "open_tasks": any(t.status is TaskStatus.OPEN and t.owner != OTHER_OWNER for t in self.tasks),
        }

    @field_validator("participants")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            partner_code(code)
        if len(set(value)) != len(value):
            raise ValueError("participants: each partner once")
        return value

    @field_validator("tasks")
    @classmethod
    def _plan(cls, value: list[CaseTask], info: ValidationInfo) -> list[CaseTask]:
        if info.data.get("status") is ConferenceStatus.SCHEDULED and value:
            raise ValueError("a scheduled conference has no plan yet: send the tasks when it was held")
        ids = [task.task_id for task in value]
        if len(ids) != len(set(ids)):
            raise ValueError("tasks: each task_id once")
        return value

    @model_validator(mode="after")
    def _about_someone(self) -> CaseConference:
        if self.suspect is None and self.victim is None:
            raise ValueError("a case conference names the suspect or the victim the case is about")
        return self
