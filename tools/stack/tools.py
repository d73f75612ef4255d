"""Finding the host tools the local stack needs (java, mvn, go), each with the hint to install it.

Every failure is a `StackError` with one line that says what to install or which variable to set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.stack.errors import StackError

MIN_JAVA = 17
MIN_GO = (1, 26)  # OPA 1.22's go.mod says go 1.26.0

_HINTS = {
    "java": "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless) "
    "or set KAFKA_BOOTSTRAP to an existing Kafka",
    "mvn": "install Maven to fetch Kafka's jars (Debian: apt-get install maven) "
    "or set KAFKA_BOOTSTRAP to an existing Kafka",
    "go": "install Go >= 1.26 to build OPA (from go.dev/dl, or apt-get install golang where the "
    "distribution ships 1.26+; Debian 12's is 1.19) or set OPA_URL to an existing OPA",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MAVEN_NOISE = ("To see the full stack trace", "Re-run Maven", "For more information", "[Help")


def require(tool: str) -> Path:
    """The path of `tool` (java, mvn or go), or a StackError saying how to install it."""
    if tool == "java" and (java_home := os.environ.get("JAVA_HOME")):
        candidate = Path(java_home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(tool)
    if found is None:
        raise StackError(f"`{tool}` not found on PATH: {_HINTS[tool]}")
    return Path(found)


def require_java() -> tuple[Path, str]:
    """The java executable and its version, refusing runtimes older than Java 17."""
    java = require("java")
    output = _capture([str(java), "-version"])
    version = parse_java_version(output)
    if version is None:
        raise StackError(f"cannot tell the Java version of {java}: {_HINTS['java']}")
    if int(version.split(".")[0]) < MIN_JAVA:
        raise StackError(f"Java {version} at {java} is too old for Kafka: {_HINTS['java']}")
    return java, version


def require_go() -> tuple[Path, str]:
    """The go executable and its version, refusing toolchains too old to build OPA."""
    go = require("go")
    output = _capture([str(go), "version"], env={**os.environ, "GOTOOLCHAIN": "local"})
    version = parse_go_version(output)
    if version is None:
        raise StackError(f"cannot tell the Go version of {go}: {_HINTS['go']}")
    numbers = tuple(int(part) for part in version.split(".")[:2])
    if numbers < MIN_GO:
        raise StackError(f"Go {version} at {go} is too old to build OPA: {_HINTS['go']}")
    return go, version


def parse_java_version(output: str) -> str | None:
    """`openjdk version "17.0.15" 2025-04-15` → "17.0.15"; the old "1.8.0_392" → "8.0.392"."""
    match = re.search(r'version "([0-9][0-9._]*)', output)
    if match is None:
        return None
    version = match.group(1).replace("_", ".")
    if version.startswith("1."):
        version = version[2:]
    return version


def parse_go_version(output: str) -> str | None:
    """`go version go1.26.8 linux/amd64` → "1.26.8"."""
    match = re.search(r"\bgo(\d+\.\d+(?:\.\d+)?)", output)
    return match.group(1) if match else None


def run_logged(
    argv: Sequence[str], log_file: Path, *, env: Mapping[str, str] | None = None, timeout_s: float
) -> tuple[int, str]:
    """Run a tool to completion with its output in `log_file`; return (exit code, output)."""
    try:
        with log_file.open("wb") as log:
            completed = subprocess.run(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                timeout=timeout_s,
                check=False,
            )
        code = completed.returncode
    except subprocess.TimeoutExpired:
        code = -1
        with log_file.open("a") as log:
            log.write(f"\ntimed out after {timeout_s:.0f} s\n")
    return code, log_file.read_text(errors="replace")


def error_line(output: str) -> str:
    """The line of a tool's output that says what failed: Maven's first [ERROR], else the last."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith("[ERROR]"):
            text = line.removeprefix("[ERROR]").strip()
            if text and not text.startswith(_MAVEN_NOISE):
                return _shorten(text.removesuffix("-> [Help 1]").strip())
    return _shorten(lines[-1]) if lines else "no output"


def _shorten(line: str, limit: int = 300) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _capture(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    try:
        completed = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StackError(f"cannot run {argv[0]}: {exc}") from exc
    return completed.stdout + completed.stderr
