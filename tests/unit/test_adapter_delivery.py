"""Delivering an inbox to an organisation's system: signed webhooks retried with growing pauses,
files written whole, and nothing dropped: what cannot be delivered is kept as a dead letter."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest

from adapters.delivery import (
    Deliverer,
    DeliveryFailed,
    FileDrop,
    InboxItem,
    Webhook,
    file_in,
)
from gateway.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

DELIVERY = b'{"delivery_id": "5b0c3f7e-2f4c-4a59-9d57-6f0f4c1b8a11", "signal_type": "new_report"}'
SECRET = b"webhook-secret"


def item() -> InboxItem:
    return InboxItem.of(DELIVERY, partition=1, offset=7, topic="inbox.3ro")


def test_an_item_is_named_by_its_delivery_id_and_a_receipt_by_where_it_was_read() -> None:
    assert item().name == "delivery-5b0c3f7e-2f4c-4a59-9d57-6f0f4c1b8a11"
    receipt = InboxItem.of(b'{"reason": "schema_violation"}', partition=2, offset=9, topic="inbox.police")
    assert receipt.name == "receipt-inbox.police-2-9"


@pytest.mark.parametrize(
    "delivery_id",
    ["../../escaped", "../escaped-5b0c3f7e-2f4c-4a59-9d57-6f0f4c1b8a11", "/tmp/escaped", "a/b", "..", ""],
)
async def test_an_untrusted_delivery_id_never_becomes_a_path(tmp_path: Path, delivery_id: str) -> None:
    """Only a delivery id that is a UUID names the file; anything else is named by where it was read,
    and the file drop and the dead letters stay in their directories."""
    value = json.dumps({"delivery_id": delivery_id}).encode()
    odd = InboxItem.of(value, partition=0, offset=3, topic="inbox.veiligthuis")
    assert odd.name == "receipt-inbox.veiligthuis-0-3"
    drop = tmp_path / "drop" / "inbox"
    await FileDrop(drop).deliver(odd)
    Deliverer(webhook(Recorder()), tmp_path / "drop" / "dead").keep(odd, "refused", 1)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "drop/dead/receipt-inbox.veiligthuis-0-3.json",
        "drop/inbox/receipt-inbox.veiligthuis-0-3.json",
    ]


def test_a_file_name_is_proven_to_stay_in_its_directory(tmp_path: Path) -> None:
    assert file_in(tmp_path, "delivery-x") == tmp_path / "delivery-x.json"
    (tmp_path / "delivery-link.json").symlink_to(tmp_path.parent / "elsewhere.json")
    for name in ("../delivery-x", "a/b", "/etc/passwd", "delivery-link"):
        with pytest.raises(ValueError, match="not a file name in"):
            file_in(tmp_path, name)


class Recorder:
    """A webhook receiver answering with the given statuses, one per request."""

    def __init__(self, *statuses: int) -> None:
        self.statuses, self.requests = list(statuses), list[httpx.Request]()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.statuses.pop(0))


def webhook(receiver: Recorder) -> Webhook:
    return Webhook(
        "https://vt.example/ketenpoort", SECRET, httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    )


async def no_sleep(_: float) -> None:
    return None


async def test_the_webhook_body_is_the_item_and_the_signature_proves_it(tmp_path: Path) -> None:
    receiver = Recorder(200)
    assert await Deliverer(webhook(receiver), tmp_path).handle(item()) == "delivered"
    (request,) = receiver.requests
    assert request.content == DELIVERY and request.headers[DELIVERY_HEADER] == item().name
    signed = request.headers[TIMESTAMP_HEADER].encode() + b"." + request.content
    expected = "sha256=" + hmac.new(SECRET, signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers[SIGNATURE_HEADER], expected)


async def test_a_failing_webhook_is_retried_with_growing_pauses_until_it_answers(tmp_path: Path) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    receiver = Recorder(503, 500, 429, 200)
    deliverer = Deliverer(webhook(receiver), tmp_path, first_pause_s=1, max_pause_s=3, sleep=sleep)
    assert await deliverer.handle(item()) == "delivered"
    assert pauses == [1, 2, 3] and len(receiver.requests) == 4
    assert list(tmp_path.iterdir()) == []


async def test_after_the_last_attempt_the_item_is_kept_as_a_dead_letter_with_the_reason(
    tmp_path: Path,
) -> None:
    deliverer = Deliverer(webhook(Recorder(500, 500, 500)), tmp_path, max_attempts=3, sleep=no_sleep)
    assert await deliverer.handle(item()) == "dead_letter"
    kept = json.loads((tmp_path / f"{item().name}.json").read_text())
    assert kept["attempts"] == 3 and kept["reason"] == "the webhook answered 500"
    assert kept["body"] == json.loads(DELIVERY)


async def test_a_refusal_for_good_is_not_retried(tmp_path: Path) -> None:
    receiver = Recorder(400)
    assert await Deliverer(webhook(receiver), tmp_path, sleep=no_sleep).handle(item()) == "dead_letter"
    assert len(receiver.requests) == 1


async def test_an_unreachable_webhook_is_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    hook = Webhook("https://vt.example/", SECRET, httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with pytest.raises(DeliveryFailed) as failure:
        await hook.deliver(item())
    assert not failure.value.final and "ConnectError" in str(failure.value)


async def test_a_file_drop_writes_one_whole_file_per_item_and_a_repeat_overwrites_it(tmp_path: Path) -> None:
    drop = FileDrop(tmp_path / "inbox")
    await drop.deliver(item())
    await drop.deliver(item())
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == [f"{item().name}.json"]
    assert (tmp_path / "inbox" / f"{item().name}.json").read_bytes() == DELIVERY


async def test_a_dead_letter_that_cannot_be_written_is_not_passed_over(tmp_path: Path) -> None:
    blocked = tmp_path / "dead-letters"
    blocked.write_text("a file where the directory should be")
    deliverer = Deliverer(webhook(Recorder(400)), blocked, sleep=no_sleep)
    with pytest.raises(OSError):
        await deliverer.handle(item())
