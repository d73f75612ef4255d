"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, that it carries
nothing of the signal, and that every way the server can fail comes back as ChannelFailed."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from oncall.channels import ChannelFailed, Notice
from oncall.email import EmailChannel
from tools.stack.process import LOOPBACK, free_ports

SENDER = "Ketenpoort <alerts@ketenpoort.test>"
CONTENT = {
    "suspect_name": "Bram de Vries-Testpersoon",
    "bsn": "999990019",
    "victim_address": "Fictiefstraat 12, Testdorp",
}
NOTICE = Notice(
    alert_id=UUID("6f1c2a8e-4b7d-4c1e-9a3f-2d5e8b7c1a90"),
    org="police",
    priority="p1",
    reason="Severity high, raised by probation's ankle-tag monitoring.",
    signal_id=UUID("0b9d6e4a-3c2f-4e8a-b1d7-5f6a9c8e2b14"),
    signal_type="breach_of_conditions",
    sender="3ro",
    raised_at=datetime(2025, 3, 14, 8, 30, tzinfo=UTC),  # 09:30 in Amsterdam (CET)
    tier="primary",
    person="Dienstdoende Fictief",
    email="oncall.primary@politie.test",
    escalation=False,
    console_url="https://console.ketenpoort.test/alerts/6f1c2a8e-4b7d-4c1e-9a3f-2d5e8b7c1a90",
    content=CONTENT,
)


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, and who logged in to send it."""

    received: list[Envelope] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        if isinstance(session.auth_data, LoginPassword):
            self.logins.append(session.auth_data.login)
        return "250 Message accepted for delivery"

    def raw(self) -> bytes:
        (envelope,) = self.received
        assert isinstance(envelope.original_content, bytes)
        return envelope.original_content

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Refusing(Inbox):
    """A server that knows no such mailbox."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return "550 5.1.1 No such mailbox here"


def only_secret(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    """Lets in `relay` with password `geheim-test`, nobody else."""
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay", b"geheim-test")
    return AuthResult(success=ok, handled=False, auth_data=data)  # handled=False: the server says 535


@contextmanager
def smtp_server(handler: Inbox, **smtp: Any) -> Iterator[int]:
    """A real SMTP server on a free port of 127.0.0.1, in its own thread, for one test."""
    port = free_ports(1)[0]
    controller = Controller(handler, hostname=LOOPBACK, port=port, server_hostname="smtp.test", **smtp)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, EmailChannel]]:
    handler = Inbox()
    with smtp_server(handler) as port:
        yield handler, EmailChannel(LOOPBACK, port, SENDER, timeout_s=5)


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A server that takes the connection and never says a word (no SMTP greeting)."""
    connections: list[asyncio.StreamWriter] = []

    async def keep(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(keep, LOOPBACK, 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_the_alert_arrives_addressed_and_tagged(inbox: tuple[Inbox, EmailChannel]) -> None:
    handler, channel = inbox
    await channel.notify(NOTICE)

    (envelope,) = handler.received
    assert envelope.rcpt_tos == ["oncall.primary@politie.test"]
    assert envelope.mail_from == "alerts@ketenpoort.test"
    message = handler.message()
    assert message["To"] == "oncall.primary@politie.test"
    assert message["From"] == SENDER
    assert message["Subject"] == "[P1] Ketenpoort-alarm voor Politie: Overtreding van voorwaarden"
    assert message["X-Ketenpoort-Alert"] == str(NOTICE.alert_id)
    assert message["Message-ID"].endswith("@ketenpoort.test>")
    assert message["Date"].datetime.tzinfo is not None
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert NOTICE.console_url in body.splitlines()  # on a line of its own, so a phone makes it a link
    assert f"Waarom: {NOTICE.reason}" in body
    assert "Verstuurd door: Reclassering (3RO)" in body
    assert "Ontstaan: vr 14 mrt 2025 09:30 CET" in body  # Amsterdam time, not UTC
    assert f"Alarm: {NOTICE.alert_id}" in body
    assert "Geëscaleerd: nee" in body


async def test_an_organisation_reading_english_gets_it_in_english(inbox: tuple[Inbox, EmailChannel]) -> None:
    handler, channel = inbox
    await channel.notify(replace(NOTICE, language="en"))

    message = handler.message()
    assert message["Subject"] == "[P1] Ketenpoort alert for Politie: Breach of conditions"
    body = message.get_content()
    assert f"Reason: {NOTICE.reason}" in body
    assert "Sent by: Reclassering (3RO)" in body
    assert "Raised: Fri 14 Mar 2025 09:30 CET" in body
    assert "Escalated: no, you are the primary on call" in body
    assert NOTICE.console_url in body.splitlines()


async def test_the_message_carries_nothing_of_the_signal(inbox: tuple[Inbox, EmailChannel]) -> None:
    handler, channel = inbox
    await channel.notify(NOTICE)

    raw = handler.raw().decode("utf-8", errors="replace")
    body = handler.message().get_content()  # decoded, in case the body were ever encoded
    for secret in [*CONTENT.values(), *CONTENT.keys(), NOTICE.person, str(NOTICE.signal_id)]:
        assert secret not in raw, f"{secret!r} is in the raw message"
        assert secret not in body, f"{secret!r} is in the body"
    assert NOTICE.console_url in raw  # the raw message is readable text, so the check above means something


async def test_an_escalation_says_so_and_from_whom(inbox: tuple[Inbox, EmailChannel]) -> None:
    handler, channel = inbox
    escalated = replace(NOTICE, tier="secondary", escalation=True, email="oncall.secondary@politie.test")
    await channel.notify(escalated)

    message = handler.message()
    assert message["Subject"] == (
        "[P1, geëscaleerd naar het tweede piket] Ketenpoort-alarm voor Politie: Overtreding van voorwaarden"
    )
    assert message["To"] == "oncall.secondary@politie.test"
    assert "Geëscaleerd: van het eerste piket naar het tweede piket" in message.get_content()


async def test_a_duty_officer_escalation_names_the_tier_in_words(inbox: tuple[Inbox, EmailChannel]) -> None:
    handler, channel = inbox
    await channel.notify(replace(NOTICE, priority="p2", tier="duty_officer", escalation=True))

    message = handler.message()
    assert message["Subject"].startswith("[P2, geëscaleerd naar de officier van dienst] ")
    assert "van het tweede piket naar de officier van dienst" in message.get_content()


async def test_it_logs_in_when_given_credentials() -> None:
    handler = Inbox()
    with smtp_server(handler, authenticator=only_secret, auth_require_tls=False) as port:
        channel = EmailChannel(LOOPBACK, port, SENDER, username="relay", password="geheim-test", timeout_s=5)
        await channel.notify(NOTICE)
        wrong = EmailChannel(LOOPBACK, port, SENDER, username="relay", password="fout", timeout_s=5)
        with pytest.raises(ChannelFailed, match="refused the login: 535"):
            await wrong.notify(NOTICE)

    assert handler.logins == [b"relay"]
    assert "geheim-test" not in repr(channel)


async def test_a_refused_recipient_fails_the_channel() -> None:
    handler = Refusing()
    with smtp_server(handler) as port:
        channel = EmailChannel(LOOPBACK, port, SENDER, timeout_s=5)
        with pytest.raises(ChannelFailed, match=r"refused the recipient: 550 5\.1\.1 No such mailbox here"):
            await channel.notify(NOTICE)
    assert handler.received == []


async def test_no_server_listening_fails_the_channel() -> None:
    port = free_ports(1)[0]  # free a moment ago: nothing listens there
    channel = EmailChannel(LOOPBACK, port, SENDER, timeout_s=5)
    with pytest.raises(
        ChannelFailed, match=re.escape(f"could not connect to the mail server at {LOOPBACK}:{port}")
    ):
        await channel.notify(NOTICE)


async def test_a_server_that_does_not_answer_fails_the_channel_in_time(silent_port: int) -> None:
    channel = EmailChannel(LOOPBACK, silent_port, SENDER, timeout_s=0.3)
    async with asyncio.timeout(5):
        with pytest.raises(ChannelFailed, match=r"did not answer within 0\.3 s"):
            await channel.notify(NOTICE)


@pytest.mark.parametrize("address", [None, "", "  "])
async def test_no_address_fails_the_channel_and_sends_nothing(
    inbox: tuple[Inbox, EmailChannel], address: str | None
) -> None:
    handler, channel = inbox
    with pytest.raises(ChannelFailed, match="the primary on call of police has no e-mail address"):
        await channel.notify(replace(NOTICE, email=address))
    assert handler.received == []


def test_a_password_without_a_username_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="no username"):
        EmailChannel(LOOPBACK, 25, SENDER, password="geheim-test")
