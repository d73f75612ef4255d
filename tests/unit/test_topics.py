"""The topic table's configuration: what every topic gets besides its own settings."""

from __future__ import annotations

import pytest

from gateway.topics import AUDIT, DLQ, all_topics, min_insync_replicas, topic_config

pytestmark = pytest.mark.unit


def test_a_write_needs_a_majority_of_the_replicas() -> None:
    assert [min_insync_replicas(n) for n in (1, 2, 3, 5)] == [1, 2, 2, 3]


def test_every_topic_wants_a_majority_of_its_replicas_in_sync() -> None:
    for name in all_topics():
        assert topic_config(name)["min.insync.replicas"] == "1", name
        assert topic_config(name, replication=3)["min.insync.replicas"] == "2", name


def test_a_topics_own_settings_stay_beside_it() -> None:
    assert topic_config(AUDIT, replication=3) == {"retention.ms": "-1", "min.insync.replicas": "2"}
    assert topic_config(DLQ)["max.message.bytes"] == str(5 * 1024 * 1024)
    assert topic_config("not-a-ketenpoort-topic") == {}
