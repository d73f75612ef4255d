"""The adapter of each organisation, by name. `adapters/3ro` is not a Python identifier, so the
packages are imported by name rather than with `import` statements."""

from __future__ import annotations

import importlib
from functools import cache

from adapters.exports import Adapter
from gateway.settings import ORGANISATIONS


@cache
def adapter(org: str) -> Adapter:
    """The organisation's adapter; ValueError for an organisation without one."""
    if org not in ORGANISATIONS:
        raise ValueError(f"no adapter for {org!r}: one of {', '.join(ORGANISATIONS)}")
    found: Adapter = importlib.import_module(f"adapters.{org}").ADAPTER
    return found
