"""Fixtures of the on-call tests, shared by test_oncall.py and the console's browser tests (defined
in oncall_harness.py, beside the rest of what those tests run against)."""

from tests.integration.oncall_harness import alerting, channels, oncall_settings

__all__ = ["alerting", "channels", "oncall_settings"]
