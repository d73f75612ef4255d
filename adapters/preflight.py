"""Before an adapter sends: can it reach Kafka, log in, and write its organisation's signals topic?

Each way this can fail gets one line naming the cause and the fix, within a few seconds, instead
of a client that retries for its request timeout and ends in a traceback. The check talks to the
brokers itself, one connection at a time (aiokafka's clients hide why a connection failed, and
log each failed attempt):

1. connect and log in to a bootstrap broker: nothing listening, a TLS problem or a refused login;
2. ask for the topic's metadata: a topic that does not exist (or that the login may not see);
3. a produce request with no records in it: the broker checks the WRITE permission first and then
   refuses the empty request as INVALID_RECORD, so a permitted write is told apart from a
   forbidden one without anything being written.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass
from enum import StrEnum

from aiokafka.conn import AIOKafkaConnection, create_conn
from aiokafka.errors import (
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
    for_code,
)
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.produce import ProduceRequest

from gateway.kafka import KafkaConnection
from gateway.topics import signals_topic

# Well within the 10 s in which a person running the command should know what is wrong.
CONNECT_TIMEOUT_S = 4.0
ANSWER_TIMEOUT_S = 2.0

# Kafka's error codes (org.apache.kafka.common.protocol.Errors) that the check tells apart.
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
TOPIC_AUTHORIZATION_FAILED = 29
INVALID_RECORD = 87  # the answer to an empty produce request that was allowed


class Cause(StrEnum):
    UNREACHABLE = "unreachable"
    TLS = "tls"
    LOGIN = "login"
    TOPIC_MISSING = "topic_missing"
    FORBIDDEN = "forbidden"
    BROKER = "broker"  # any other refusal: the line quotes the broker's error


@dataclass(frozen=True)
class NotReady:
    """Why the adapter cannot send, as one line: the cause, then the fix."""

    cause: Cause
    line: str

    def __str__(self) -> str:
        return self.line


async def check_sending(
    kafka: KafkaConnection,
    org: str,
    *,
    topic: str | None = None,
    connect_s: float = CONNECT_TIMEOUT_S,
    answer_s: float = ANSWER_TIMEOUT_S,
) -> NotReady | None:
    """None when `kafka`'s login may write `topic` (default `signals.<org>`), else why not.

    Connecting and logging in takes at most `connect_s` over all bootstrap brokers together (each
    gets its share of what is left); the broker that lets the adapter in then has `answer_s`."""
    topic = topic or signals_topic(org)
    options = kafka.client_options()
    del options["bootstrap_servers"]
    brokers = _brokers(kafka.bootstrap)
    deadline = time.monotonic() + connect_s
    unreachable: list[str] = []
    for index, (host, port) in enumerate(brokers):
        where = f"{host}:{port}"
        budget = max(deadline - time.monotonic(), 0.1) / (len(brokers) - index)
        try:
            conn = await asyncio.wait_for(
                create_conn(
                    host,
                    port,
                    client_id=f"ketenpoort-adapter-{org}-preflight",
                    request_timeout_ms=int(budget * 1000),
                    **options,
                ),
                budget,
            )
        except (SaslAuthenticationFailed, UnsupportedSaslMechanismError) as error:
            return _login_refused(kafka, org, where, error)
        except ssl.SSLError as error:
            return NotReady(
                Cause.TLS,
                f"the TLS handshake with Kafka at {where} failed ({error.reason or error}): check "
                "KAFKA_SSL_CAFILE (the cluster's CA) and KAFKA_SECURITY_PROTOCOL",
            )
        except (OSError, KafkaError, TimeoutError) as error:
            unreachable.append(f"{where} ({_why(error, budget)})")
            continue
        try:
            return await asyncio.wait_for(_check_topic(conn, kafka, org, topic, where), answer_s)
        except (KafkaError, OSError, TimeoutError) as error:
            return _dropped(kafka, org, where, _why(error, answer_s))
        finally:
            conn.close()
    also = ", KAFKA_SECURITY_PROTOCOL" if kafka.uses_tls else ""
    return NotReady(
        Cause.UNREACHABLE,
        f"cannot reach Kafka at {', '.join(unreachable)}: check KAFKA_BOOTSTRAP{also} and that the "
        "brokers run (locally: `ketenpoort stack up`)",
    )


async def _check_topic(
    conn: AIOKafkaConnection, kafka: KafkaConnection, org: str, topic: str, where: str
) -> NotReady | None:
    metadata = await conn.send(MetadataRequest([topic], allow_auto_topic_creation=False))
    described = {entry[1]: entry[0] for entry in metadata.topics}
    code = described.get(topic, UNKNOWN_TOPIC_OR_PARTITION)
    if code == UNKNOWN_TOPIC_OR_PARTITION:
        return NotReady(
            Cause.TOPIC_MISSING,
            f"topic {topic} does not exist on Kafka at {where}: start the gateway once, or run "
            "`ketenpoort stack up`, which creates the topics",
        )
    if code == NONE:
        # Partition 0 always exists; an empty record set is refused after the ACL check.
        produced = await conn.send(ProduceRequest(None, -1, 1000, [(topic, [(0, b"")])]))
        code = produced.topics[0][1][0][1]
        if code == INVALID_RECORD:
            return None
    if code == TOPIC_AUTHORIZATION_FAILED:
        return _forbidden(kafka, org, topic)
    return NotReady(
        Cause.BROKER,
        f"Kafka at {where} refused {topic} with error {code} ({_error_name(code)}): see the broker's log",
    )


def _brokers(bootstrap: str) -> list[tuple[str, int]]:
    brokers = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        brokers.append((host.strip("[]"), int(port)))
    return brokers


def _login_refused(kafka: KafkaConnection, org: str, where: str, error: KafkaError) -> NotReady:
    if isinstance(error, UnsupportedSaslMechanismError):
        return NotReady(
            Cause.LOGIN,
            f"Kafka at {where} does not offer the login {kafka.sasl_mechanism}: check "
            "KAFKA_SASL_MECHANISM (Ketenpoort's brokers use SCRAM-SHA-512)",
        )
    return NotReady(
        Cause.LOGIN,
        f"Kafka at {where} refused the login of {kafka.username} (wrong password or unknown user): "
        f"check KAFKA_USERNAME and KAFKA_PASSWORD (locally: `ketenpoort stack credentials {org} --env`)",
    )


def _dropped(kafka: KafkaConnection, org: str, where: str, why: str) -> NotReady:
    """The broker took the connection but ended it at the first request: a SASL listener talked to
    without a login, or a listener that expects another protocol."""
    if kafka.username is None:
        return NotReady(
            Cause.LOGIN,
            f"Kafka at {where} ended the connection of a client without a login ({why}): set "
            f"KAFKA_USERNAME and KAFKA_PASSWORD (locally: `ketenpoort stack credentials {org} --env`)",
        )
    return NotReady(
        Cause.UNREACHABLE,
        f"Kafka at {where} ended the connection ({why}): check KAFKA_SECURITY_PROTOCOL and "
        "KAFKA_SASL_MECHANISM against the cluster's listener",
    )


def _forbidden(kafka: KafkaConnection, org: str, topic: str) -> NotReady:
    who = kafka.username or "a client without a login"
    return NotReady(
        Cause.FORBIDDEN,
        f"{who} may not write {topic}: check that KAFKA_USERNAME and KAFKA_PASSWORD are the login "
        f"of {org}, or grant it with `ketenpoort access provision`",
    )


def _why(error: BaseException, timeout_s: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout_s:.1f} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused, nothing listens there"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _error_name(code: int) -> str:
    return str(for_code(code).__name__)
