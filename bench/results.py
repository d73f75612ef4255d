"""Each benchmark's figures, kept for the one line `make bench` ends with (`bench.summary`).

A benchmark prints its own JSON object as its last line, as before, and also keeps it in
`build/bench/<name>.json` of the working copy; `make bench` empties that directory first, so the
summary holds only what this run measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "build" / "bench"


def publish(name: str, figures: dict[str, Any]) -> None:
    """Print `figures` as the last line of this benchmark and keep them under `name`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures) + "\n")
    print(json.dumps(figures), flush=True)


def kept() -> dict[str, dict[str, Any]]:
    """Every benchmark's figures of this run, by name."""
    if not RESULTS.is_dir():
        return {}
    return {path.stem: json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))}
