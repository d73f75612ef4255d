"""Fixtures shared by several integration test files: the on-call tests' (test_oncall.py and
test_console_browser.py, defined in oncall_harness.py beside the rest of what those tests run
against), and a Kafka cluster of three nodes (cluster.py)."""

from tests.integration.cluster import three_brokers
from tests.integration.oncall_harness import alerting, channels, oncall_settings

__all__ = ["alerting", "channels", "oncall_settings", "three_brokers"]
