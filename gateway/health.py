"""Why the gateway is not ready, if it is not. Fail-closed states are set and cleared here, and the
readiness endpoint, the metrics and the logs all read them from here."""

from __future__ import annotations

from gateway.logging import get_logger
from gateway.metrics import NOT_READY

log = get_logger("gateway.health")


class Health:
    def __init__(self) -> None:
        self._problems: dict[str, str] = {"gateway": "starting"}

    @property
    def ready(self) -> bool:
        return not self._problems

    @property
    def problems(self) -> dict[str, str]:
        return dict(self._problems)

    def fail(self, component: str, problem: str) -> None:
        if self._problems.get(component) != problem:
            log.warning("not_ready", component=component, problem=problem)
        self._problems[component] = problem
        NOT_READY.labels(component).set(1)

    def recover(self, component: str) -> None:
        if self._problems.pop(component, None) is not None:
            log.info("ready_again", component=component)
        NOT_READY.labels(component).set(0)
