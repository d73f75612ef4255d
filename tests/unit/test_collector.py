"""A gateway process's garbage collector (gateway/app.py, `tune_collector`): rarer young
collections, and what start-up loaded frozen out of every collection once the service started."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, cast

from faststream.asgi import AsgiFastStream

from gateway.app import COLLECTOR_THRESHOLDS, tune_collector


class App:
    def __init__(self) -> None:
        self.hooks: list[Callable[[], Any]] = []

    def after_startup(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.hooks.append(hook)
        return hook


def test_the_collector_is_tuned_and_start_up_s_state_frozen_once_started() -> None:
    before = gc.get_threshold()
    app = App()
    try:
        tune_collector(cast(AsgiFastStream, app))
        assert gc.get_threshold() == COLLECTOR_THRESHOLDS
        assert gc.get_freeze_count() == 0, "nothing frozen before the service has started"
        state = {n: (str(n), n) for n in range(1000)}  # what start-up loads
        (freeze,) = app.hooks
        freeze()
        assert gc.get_freeze_count() >= len(state)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
