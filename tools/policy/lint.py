"""`ketenpoort policy lint`: Regal, OPA's linter, on the policies, with the project's configuration.

Regal is built with Go from the module pinned in scripts/regal/ (go.mod and go.sum: Regal's version
and every dependency's checksum), once, into `<cache>/regal/<version>/regal`, the way OPA is built
(tools/stack/opa.py). The configuration is .regal/config.yaml at the top of the project: it names
the data beside the policies, which Regal does not read, and says why any rule is off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gateway.settings import Settings
from tools.stack import StackError, tools
from tools.stack.cache import install_atomically

ROOT = Path(__file__).parents[2]
REGAL_MODULE = "github.com/open-policy-agent/regal"
REGAL_BUILD = ROOT / "scripts" / "regal"  # go.mod + go.sum: Regal's version and its dependencies
CONFIG = ROOT / ".regal" / "config.yaml"
MIN_GO = (1, 26)  # Regal 0.39's go.mod; GOTOOLCHAIN=local forbids a toolchain download


@dataclass(frozen=True)
class Finding:
    """One violation Regal reports: which rule, where, and Regal's own words for it."""

    rule: str
    category: str
    description: str
    file: str
    row: int
    text: str
    documentation: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.rule} ({self.category}): {self.description}"


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    files: int
    exit_code: int

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.findings


def regal_version(build_dir: Path = REGAL_BUILD) -> str:
    """The Regal version go.mod pins, e.g. "0.39.0"."""
    go_mod = build_dir / "go.mod"
    try:
        text = go_mod.read_text()
    except OSError as error:
        raise StackError(
            f"cannot read {go_mod} ({error.strerror}): the policy linter is built from a copy of the "
            "project, where scripts/regal/ pins it"
        ) from None
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(REGAL_MODULE)} v(\S+)", text, re.M)
    if match is None:
        raise StackError(f"{go_mod} does not require {REGAL_MODULE}")
    return match.group(1)


def ensure_regal(settings: Settings, build_dir: Path = REGAL_BUILD, *, niceness: int = 0) -> Path:
    """The cached Regal binary (`<cache>/regal/<version>/regal`), building it with Go if missing
    (under `nice -n niceness` when given: a build in the background takes only idle cores)."""
    version = regal_version(build_dir)
    final = settings.cache_path("regal", version).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    log_file = final.parent / f"build-{version}.log"

    def build(tmp: Path) -> None:
        go = _require_go()
        with tempfile.TemporaryDirectory(prefix="ketenpoort-regal-") as module:
            for name in ("go.mod", "go.sum"):
                shutil.copyfile(build_dir / name, Path(module, name))
            ldflags = f"-X {REGAL_MODULE}/pkg/version.Version=v{version}"
            argv = [
                str(go), "build", "-C", module, "-mod=readonly", "-buildvcs=false", "-trimpath",
                f"-ldflags={ldflags}", "-o", str(tmp / "regal"), REGAL_MODULE,
            ]  # fmt: skip
            if niceness and (nice := shutil.which("nice")):
                argv = [nice, "-n", str(niceness), *argv]
            env = {**os.environ, "GOTOOLCHAIN": "local"}
            code, output = tools.run_logged(argv, log_file, env=env, timeout_s=1800)
        if code != 0:
            raise StackError(
                f"could not build Regal {version} from the Go module proxy: "
                f"{tools.error_line(output)} (full output: {log_file})"
            )

    return install_atomically(final, build, _has_binary) / "regal"


def lint(regal: Path, policy_dir: Path, config: Path = CONFIG) -> LintResult:
    """Regal's findings on `policy_dir` under `config`; any finding, of any level, fails."""
    if not config.is_file():
        raise StackError(f"the Regal configuration {config} is missing")
    argv = [
        str(regal), "lint", "--format", "json", "--fail-level", "warning",
        "--config-file", str(config), str(policy_dir),
    ]  # fmt: skip
    env = {**os.environ, "REGAL_DISABLE_CHECK_VERSION": "true"}  # never ask GitHub for releases
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackError(f"cannot run {regal}: {error}") from None
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        message = (completed.stderr or completed.stdout).strip().splitlines()
        raise StackError(
            f"regal lint failed (exit {completed.returncode}): {message[-1] if message else 'no output'}"
        ) from None
    findings = tuple(
        Finding(
            rule=violation["title"],
            category=violation["category"],
            description=violation["description"],
            file=violation["location"].get("file", ""),
            row=int(violation["location"].get("row", 0)),
            text=violation["location"].get("text", ""),
            documentation=next(
                (link["ref"] for link in violation.get("related_resources") or () if "ref" in link), ""
            ),
        )
        for violation in report.get("violations") or ()
    )
    files = int(report.get("summary", {}).get("files_scanned", 0))
    return LintResult(findings, files, completed.returncode)


def _require_go() -> Path:
    go = shutil.which("go")
    hint = "install Go >= {}.{} to build Regal, OPA's linter (from go.dev/dl)".format(*MIN_GO)
    if go is None:
        raise StackError(f"`go` not found on PATH: {hint}")
    try:
        completed = subprocess.run(
            [go, "version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackError(f"cannot run {go}: {error}") from None
    version = tools.parse_go_version(completed.stdout + completed.stderr)
    if version is None:
        raise StackError(f"cannot tell the Go version of {go}: {hint}")
    if tuple(int(part) for part in version.split(".")[:2]) < MIN_GO:
        raise StackError(f"Go {version} at {go} is too old: {hint}")
    return Path(go)


def _has_binary(version_dir: Path) -> bool:
    return os.access(version_dir / "regal", os.X_OK)
