"""Open Policy Agent for the local stack: built once with `go install`, served on loopback.

The server loads the policy directory with `--watch`, so an edited `.rego` or `.json` file takes
effect without a restart (a moment after the write, not at once).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from gateway.settings import Settings
from tools.stack import process, tools
from tools.stack.cache import install_atomically
from tools.stack.errors import StackError
from tools.stack.state import OpaState

# The newest release. Releases before 1.21.3 accept an unsigned bundle when the signing configuration
# has no key id (GHSA-g2pf-6v5v-qcc8). Its go.mod needs Go >= 1.26 (tools.MIN_GO); GOTOOLCHAIN=local
# forbids a toolchain download.
OPA_VERSION = "1.22.4"
OPA_MODULE = "github.com/open-policy-agent/opa"


def ensure_opa(settings: Settings) -> Path:
    """The cached OPA binary (`<cache>/opa/<version>/opa`), building it with Go if missing."""
    final = settings.cache_path("opa", OPA_VERSION).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    log_file = final.parent / f"build-{OPA_VERSION}.log"

    def build(tmp: Path) -> None:
        go, _ = tools.require_go()
        flags = " ".join(filter(None, [os.environ.get("GOFLAGS", ""), "-buildvcs=false"]))
        env = {**os.environ, "GOBIN": str(tmp), "GOFLAGS": flags, "GOTOOLCHAIN": "local"}
        argv = [str(go), "install", f"{OPA_MODULE}@v{OPA_VERSION}"]
        code, output = tools.run_logged(argv, log_file, env=env, timeout_s=1800)
        if code != 0:
            raise StackError(
                f"could not build OPA {OPA_VERSION} from the Go module proxy ({_go_proxy(go)}): "
                f"{tools.error_line(output)}; set OPA_URL to use an existing OPA instead "
                f"(full output: {log_file})"
            )

    return install_atomically(final, build, _has_binary) / "opa"


def _has_binary(version_dir: Path) -> bool:
    return os.access(version_dir / "opa", os.X_OK)


def _go_proxy(go: Path) -> str:
    try:
        completed = subprocess.run(
            [str(go), "env", "GOPROXY"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "GOPROXY"
    return completed.stdout.strip() or "GOPROXY"


def start_opa(
    binary: Path,
    policy_dir: Path,
    port: int,
    config_dir: Path,
    log_file: Path,
    *,
    bundles: dict[str, Any] | None = None,
) -> OpaState:
    """Spawn an OPA server for `policy_dir` (watched); or, given `bundles` (services, bundles and
    keys, tools/policy/bundle.py), one that polls for a signed bundle and activates only a bundle
    whose signature holds. Returns at once (see `wait_ready`)."""
    policy_dir = policy_dir.expanduser().resolve()
    if bundles is None and not policy_dir.is_dir():
        raise StackError(
            f"policy directory {policy_dir} does not exist; set KETENPOORT_POLICY_DIR to the "
            "directory with the .rego and .json files"
        )
    config_dir.mkdir(parents=True, exist_ok=True)
    # The labels name the owner, and put the directory on the command line for `ps` and `pgrep -f`.
    config = config_dir / "config.json"
    config.write_text(
        json.dumps({"labels": {"app": "ketenpoort", "home": str(config_dir)}, **(bundles or {})})
    )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_bytes(b"")
    argv = [
        str(binary), "run", "--server",
        "--addr", f"{process.LOOPBACK}:{port}",
        "--config-file", str(config),
        "--log-level", "error",
        "--skip-version-check",
        "--shutdown-grace-period", "2",
    ]  # fmt: skip
    if bundles is None:
        argv += ["--watch", str(policy_dir)]
    popen = process.spawn(argv, log_file, cwd=config_dir)
    return OpaState(
        pid=popen.pid,
        start_time=process.start_time_of(popen.pid),
        host=process.LOOPBACK,
        port=port,
        url=f"http://{process.LOOPBACK}:{port}",
        policy_dir=policy_dir,
        log_file=log_file,
        version=OPA_VERSION,
    )


def wait_ready(opa: OpaState, timeout_s: float = 30.0) -> None:
    """Block until GET /health answers 200; StackError if OPA dies or stalls."""
    deadline = time.monotonic() + timeout_s
    while True:
        if not opa.is_running():
            raise StackError(
                f"OPA exited while starting (does a policy fail to compile?); see {opa.log_file}"
            )
        if is_healthy(opa.url):
            return
        if time.monotonic() >= deadline:
            raise StackError(f"OPA did not become ready within {timeout_s:.0f} s; see {opa.log_file}")
        time.sleep(0.1)


def is_healthy(url: str, timeout_s: float = 2.0) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def throwaway_opa(
    settings: Settings, policy_dir: Path, *, bundles: dict[str, Any] | None = None
) -> Iterator[str]:
    """A separate OPA server for `policy_dir` (or polling for signed `bundles`, see `start_opa`)
    on its own port; yields its URL, stops it on exit.

    It shares only the cached binary with the local stack. Its log lives in a temporary directory
    that is removed on a clean exit and kept (and named in the error) when OPA fails to start.
    """
    binary = ensure_opa(settings)
    workdir = Path(tempfile.mkdtemp(prefix="ketenpoort-opa-"))
    (port,) = process.free_ports(1)
    try:
        opa = start_opa(binary, policy_dir, port, workdir, workdir / "opa.log", bundles=bundles)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    target = [(opa.pid, opa.start_time)]
    try:
        wait_ready(opa)
    except BaseException:
        process.stop(target, timeout_s=5.0)
        raise
    try:
        yield opa.url
    finally:
        process.stop(target, timeout_s=10.0)
        shutil.rmtree(workdir, ignore_errors=True)


def start_bundle_server(directory: Path, port: int, log_file: Path) -> subprocess.Popen[bytes]:
    """A static HTTP server for the bundles in `directory` on loopback, with ETags
    (tools/stack/bundle_server.py, standard library only): what OPA's bundle plugin polls.
    Returns at once (see `wait_serving`)."""
    argv = [sys.executable, str(Path(__file__).with_name("bundle_server.py")), str(port), str(directory)]
    return process.spawn(argv, log_file, cwd=directory)


def wait_serving(
    url: str, popen: subprocess.Popen[bytes] | None, log_file: Path, timeout_s: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            if (popen is not None and popen.poll() is not None) or time.monotonic() > deadline:
                raise StackError(f"the policy bundle server did not start; see {log_file}") from None
            time.sleep(0.05)


@contextmanager
def bundle_server(directory: Path) -> Iterator[str]:
    """A bundle server for `directory` on a port of its own, stopped on exit; yields its URL."""
    (port,) = process.free_ports(1)
    log_file = directory / ".bundle-server.log"
    popen = start_bundle_server(directory, port, log_file)
    target = [(popen.pid, process.start_time_of(popen.pid))]
    url = f"http://{process.LOOPBACK}:{port}"
    try:
        wait_serving(url, popen, log_file)
        yield url
    finally:
        process.stop(target, timeout_s=5.0)
