"""docker-compose.yml checked as `docker compose config` checks it, with no Docker engine.

`tools/compose_config/` is a small Go program over compose-go, the Compose Specification's own
library (Docker Compose is built on it), pinned in its go.mod: it interpolates the file with the
environment it is given, validates it against the specification's JSON schema (which compose-go
carries), checks that every service, volume and network it names exists, and prints the resolved
project as JSON. It is built once with the Go toolchain the local stack already needs for OPA,
from the Go module proxy, into `<cache>/compose-config/<digest of its sources>/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.settings import Settings
from tools.stack import tools
from tools.stack.cache import install_atomically
from tools.stack.errors import StackError

SOURCE = Path(__file__).parent / "compose_config"
PROGRAM = "compose-config"


class ComposeError(Exception):
    """The Compose file is not valid: the loader's own words (which key, which rule)."""


def ensure_compose_config(settings: Settings) -> Path:
    """The built program, building it with Go if missing (a changed source builds anew)."""
    sources = ("main.go", "go.mod", "go.sum")
    digest = hashlib.sha256(b"".join((SOURCE / name).read_bytes() for name in sources)).hexdigest()[:12]
    final = settings.cache_path(PROGRAM, digest).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    log_file = final.parent / f"build-{digest}.log"

    def build(tmp: Path) -> None:
        go, _ = tools.require_go()
        flags = " ".join(filter(None, [os.environ.get("GOFLAGS", ""), "-buildvcs=false", "-mod=readonly"]))
        env = {**os.environ, "GOFLAGS": flags, "GOTOOLCHAIN": "local"}
        argv = [str(go), "-C", str(SOURCE), "build", "-o", str(tmp / PROGRAM), "."]
        code, output = tools.run_logged(argv, log_file, env=env, timeout_s=600)
        if code != 0:
            raise StackError(
                f"could not build {PROGRAM}: {tools.error_line(output)} (full output: {log_file})"
            )

    return install_atomically(final, build, lambda path: os.access(path / PROGRAM, os.X_OK)) / PROGRAM


def compose_config(program: Path, compose_file: Path, environment: Mapping[str, str]) -> dict[str, Any]:
    """The project `compose_file` resolves to with `environment` (its only variables: no .env and
    nothing else of this process's environment); ComposeError with the loader's message if the
    file is not valid."""
    completed = subprocess.run(
        [str(program), str(compose_file)],
        env=dict(environment),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise ComposeError(completed.stderr.strip() or f"{PROGRAM} exited with {completed.returncode}")
    project: dict[str, Any] = json.loads(completed.stdout)
    return project
