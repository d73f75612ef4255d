"""The on-call configuration: per organisation its roster and its webhook, the deadlines to
acknowledge, the mail server, and where the console is. One YAML file (KETENPOORT_ONCALL_CONFIG, by
default oncall/oncall.yaml, which has fictional people), checked whole when it is read:
every organisation that raises signals needs a roster, and no roster may leave an hour uncovered.

Secrets are not in the file: a webhook's secret and the mail server's password are named by the
environment variable that holds them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from gateway.schemas.alert import Priority
from gateway.schemas.labels import DEFAULT_LANGUAGE, Language
from gateway.settings import ORGANISATIONS
from oncall.lifecycle import Roster, Shift

DEFAULT_CONFIG = Path(__file__).with_name("oncall.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WebhookConfig(_Strict):
    url: str = Field(pattern=r"^https?://", description="Where the organisation takes alerts.")
    secret_env: str = Field(description="The environment variable holding the HMAC secret.")

    def secret(self) -> bytes:
        value = os.environ.get(self.secret_env)
        if not value:
            raise ValueError(f"the webhook secret {self.secret_env} is not set")
        return value.encode()


class SmtpConfig(_Strict):
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(description="The From address of alert mails.")
    starttls: bool = False
    username: str | None = None
    password_env: str | None = Field(default=None, description="The variable holding the password.")

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class OrganisationOnCall(_Strict):
    shifts: tuple[Shift, ...]
    webhook: WebhookConfig | None = None
    language: Language = Field(
        default=DEFAULT_LANGUAGE, description="Of its e-mail and the readable parts of its webhook: nl or en."
    )


class OnCallConfig(_Strict):
    deadlines_s: dict[Priority, PositiveInt] = Field(
        default={"p1": 300, "p2": 900, "p3": 3600},
        description="Seconds to acknowledge, per priority (p3, a chain obligation's reminder: an hour "
        "unless said).",
    )
    console_url: str = Field(
        default="http://127.0.0.1:8082/console", description="The console's address, for links in mails."
    )
    smtp: SmtpConfig | None = None
    organisations: dict[str, OrganisationOnCall]

    @model_validator(mode="after")
    def _complete(self) -> OnCallConfig:
        missing = [org for org in ORGANISATIONS if org not in self.organisations]
        if missing:
            raise ValueError(f"no on-call roster for {', '.join(missing)}")
        if not {"p1", "p2"} <= set(self.deadlines_s):
            raise ValueError("deadlines_s needs p1 and p2")
        for org, entry in self.organisations.items():
            Roster(org=org, shifts=entry.shifts)  # a gap is said here, with the organisation's name
        return self

    @classmethod
    def load(cls, path: Path | None = None) -> OnCallConfig:
        path = path or DEFAULT_CONFIG
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise ValueError(f"cannot read the on-call configuration {path}: {error}") from None
        return cls.model_validate(data)

    def rosters(self) -> dict[str, Roster]:
        return {org: Roster(org=org, shifts=entry.shifts) for org, entry in self.organisations.items()}

    def deadlines(self) -> dict[str, timedelta]:
        seconds = {"p3": 3600, **self.deadlines_s}
        return {priority: timedelta(seconds=s) for priority, s in seconds.items()}
