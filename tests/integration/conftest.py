"""Fixtures shared by several integration test files: the on-call tests' (test_oncall.py and
test_console_browser.py, defined in oncall_harness.py beside the rest of what those tests run
against), the audit commands' environment (audit_harness.py), and a Kafka cluster of three nodes
(cluster.py)."""

from tests.integration.audit_harness import admin_cli_env, cli_env
from tests.integration.cluster import three_brokers
from tests.integration.oncall_harness import alerting, channels, oncall_settings

__all__ = ["admin_cli_env", "alerting", "channels", "cli_env", "oncall_settings", "three_brokers"]
