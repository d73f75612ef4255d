"""The e-mail channel: tells a person on call that an alert waits for them in the console.

E-mail is not a safe carrier: it is kept and forwarded by servers outside the chain and read on
phones in anyone's hands. So the message says only *that* there is an alert and where to take it:
priority, the rule's reason, signal type, sending organisation, when it was raised, whether it was
escalated, the alert id and the console link. Nothing of the signal's content, no names, no BSN: the
console shows those, to whom the sharing policy allows. It is written in the organisation's language
(`language` in the on-call configuration: Dutch unless it says English), from the service's message
catalogue and the contracts' labels (oncall/i18n.py).

`compose` builds the message and is pure; `EmailChannel.notify` only sends it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib

from oncall import i18n
from oncall.channels import ChannelFailed, Notice
from oncall.lifecycle import TIERS

ALERT_HEADER = "X-Ketenpoort-Alert"


def compose(notice: Notice, sender: str, sent_at: datetime) -> EmailMessage:
    """The alert as a short plain-text e-mail to `notice.email`, carrying no content of the signal."""
    if not (notice.email or "").strip():
        tier = notice.tier.replace("_", " ")
        raise ChannelFailed(f"the {tier} on call of {notice.org} has no e-mail address")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notice.email
    message["Subject"] = subject(notice)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message[ALERT_HEADER] = str(notice.alert_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the gateway
    message.set_content(body(notice))
    return message


def subject(notice: Notice) -> str:
    """`[P1] Ketenpoort-alarm voor Politie: Overtreding van voorwaarden`, escalations tagged in the
    brackets."""
    lang = notice.language
    tag = notice.priority.upper()
    if notice.escalation:
        tag = i18n.say(lang, "mail.tag_escalated", priority=tag, tier=spoken(notice.tier, lang))
    return i18n.say(lang, "mail.subject", tag=tag, org=i18n.partner_name(notice.org), signal=_signal(notice))


def _signal(notice: Notice) -> str:
    return i18n.signal_name(notice.signal_type, notice.language)


def body(notice: Notice) -> str:
    """A few short lines, readable on a phone; the console link on a line of its own."""
    lang = notice.language
    lines = [
        i18n.say(lang, "mail.heading", priority=notice.priority.upper(), org=i18n.partner_name(notice.org),
                 signal=_signal(notice)),
        "",
        i18n.say(lang, "mail.reason", reason=notice.reason),
        i18n.say(lang, "mail.sender", sender=i18n.partner_name(notice.sender)),
        i18n.say(lang, "mail.raised", raised=i18n.moment(notice.raised_at, lang, zone=True)),
        i18n.say(lang, "mail.escalated", escalation=escalation(notice)),
        i18n.say(lang, "mail.alert", alert_id=notice.alert_id),
        "",
        i18n.say(lang, "mail.open"),
        notice.console_url,
        "",
        i18n.say(lang, "mail.nothing"),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def escalation(notice: Notice) -> str:
    lang = notice.language
    if not notice.escalation:
        return i18n.say(lang, "mail.not_escalated", tier=spoken(notice.tier, lang))
    to = spoken(notice.tier, lang)
    if notice.tier in TIERS[1:]:
        earlier = spoken(TIERS[TIERS.index(notice.tier) - 1], lang)
        return i18n.say(lang, "mail.escalated_from", earlier=earlier, to=to)
    return i18n.say(lang, "mail.escalated_to", to=to)


def spoken(tier: str, lang: i18n.Language = i18n.DEFAULT_LANGUAGE) -> str:
    return i18n.say(lang, f"mail.tier.{tier}")


class EmailChannel:
    """Sends each notice as one e-mail through an SMTP server (the organisation's relay).

    `timeout_s` bounds each step of the SMTP conversation (connect, each command), not the whole.
    With `starttls` the connection must be upgraded to TLS before anything is sent; without it, it
    is not upgraded, even when the server offers it.
    """

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        if "@" not in parseaddr(sender)[1]:
            raise ValueError(f"the e-mail channel's sender {sender!r} is not an e-mail address")
        if password is not None and username is None:
            raise ValueError("the e-mail channel has a password but no username to log in with")
        self.host, self.port, self.sender = host, port, sender
        self.username, self._password = username, password
        self.starttls, self.timeout_s = starttls, timeout_s

    async def notify(self, notice: Notice) -> None:
        server = f"the mail server at {self.host}:{self.port}"
        try:
            await aiosmtplib.send(
                compose(notice, self.sender, datetime.now(UTC)),
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self._password,
                start_tls=self.starttls,
                timeout=self.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = "; ".join(f"{each.code} {each.message}" for each in exc.recipients)
            raise ChannelFailed(f"{server} refused the recipient: {refused}") from exc
        except aiosmtplib.SMTPTimeoutError as exc:
            raise ChannelFailed(f"{server} did not answer within {self.timeout_s:g} s") from exc
        except aiosmtplib.SMTPConnectError as exc:
            raise ChannelFailed(f"could not connect to {server}: {exc.message}") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise ChannelFailed(f"{server} refused the login: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise ChannelFailed(f"{server} refused the message: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
            raise ChannelFailed(f"sending through {server} failed: {exc}") from exc
