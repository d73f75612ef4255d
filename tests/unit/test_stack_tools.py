"""Missing or failing host tools become one line that says what to do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.settings import Settings
from tools.stack import KAFKA_VERSION, OPA_VERSION, StackError, ensure_kafka, ensure_opa, tools

pytestmark = pytest.mark.unit

MAVEN_OFFLINE = """\
\x1b[0m[ERROR] Failed to execute goal on project local-kafka: Could not resolve dependencies: \
Could not transfer artifact org.apache.kafka:kafka_2.13:jar:4.4.0 from/to central \
(https://repo.maven.apache.org/maven2): Connection refused -> [Help 1]
[ERROR]
[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.
[ERROR] Re-run Maven using the -X switch to enable full debug logging.
[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/DependencyResolutionException
"""
GO_OFFLINE = (
    "go: github.com/open-policy-agent/opa@v1.22.4: Get "
    '"https://proxy.golang.org/github.com/open-policy-agent/opa/@v/v1.22.4.info": '
    "dial tcp: lookup proxy.golang.org: no such host\n"
)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PATH: only the fake tools a test writes into it exist."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return path


def _fake_tool(bin_dir: Path, name: str, script: str) -> None:
    tool = bin_dir / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)


def _failing_tool(bin_dir: Path, name: str, output: str, script: str = "") -> None:
    """A tool that prints `output` and fails (with only shell builtins: PATH holds nothing else)."""
    (bin_dir / f"{name}.out").write_text(output)
    prints = f'while IFS= read -r line; do printf "%s\\n" "$line"; done < "{bin_dir}/{name}.out"'
    _fake_tool(bin_dir, name, f"{script}\n{prints}\nexit 1")


@pytest.mark.parametrize(
    ("tool", "hint"),
    [
        ("java", "apt-get install openjdk-17-jre-headless"),
        ("mvn", "apt-get install maven"),
        ("go", "apt-get install golang"),
    ],
)
def test_a_missing_tool_says_how_to_install_it(bin_dir: Path, tool: str, hint: str) -> None:
    with pytest.raises(StackError) as caught:
        tools.require(tool)
    assert hint in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_go_points_at_opa_url(bin_dir: Path) -> None:
    with pytest.raises(StackError, match="OPA_URL"):
        tools.require_go()


def test_an_old_java_is_refused(bin_dir: Path) -> None:
    _fake_tool(bin_dir, "java", """echo 'openjdk version "11.0.2" 2019-01-15' >&2""")
    with pytest.raises(StackError, match=r"Java 11\.0\.2 .* too old"):
        tools.require_java()


def test_an_old_go_is_refused(bin_dir: Path) -> None:
    _fake_tool(bin_dir, "go", "echo 'go version go1.25.9 linux/amd64'")
    with pytest.raises(StackError, match=r"Go 1\.25\.9 .* too old"):
        tools.require_go()


@pytest.mark.parametrize(
    ("output", "version"),
    [
        ('openjdk version "17.0.15" 2025-04-15', "17.0.15"),
        ('openjdk version "21" 2023-09-19', "21"),
        ('java version "1.8.0_392"', "8.0.392"),
        ("no java here", None),
    ],
)
def test_java_versions_are_read(output: str, version: str | None) -> None:
    assert tools.parse_java_version(output) == version


def test_go_versions_are_read() -> None:
    assert tools.parse_go_version("go version go1.26.8 linux/amd64") == "1.26.8"
    assert tools.parse_go_version("go version go1.25 linux/arm64") == "1.25"


def test_the_error_line_is_mavens_first_real_error() -> None:
    line = tools.error_line(MAVEN_OFFLINE)
    assert line.startswith("Failed to execute goal on project local-kafka")
    assert line.endswith("Connection refused")
    assert "\x1b" not in line


def test_the_error_line_is_gos_last_line() -> None:
    assert tools.error_line(GO_OFFLINE).endswith("no such host")
    assert tools.error_line("") == "no output"


def test_maven_central_unreachable_names_the_registry_and_leaves_no_half_cache(
    bin_dir: Path, tmp_path: Path
) -> None:
    _failing_tool(bin_dir, "mvn", MAVEN_OFFLINE)
    settings = Settings().model_copy(update={"cache_dir": tmp_path / "cache"})
    with pytest.raises(StackError) as caught:
        ensure_kafka(settings)
    message = str(caught.value)
    assert "Maven Central" in message
    assert "KAFKA_BOOTSTRAP" in message
    assert "Connection refused" in message
    assert sorted(os.listdir(tmp_path / "cache" / "kafka")) == [
        f"{KAFKA_VERSION}.lock",
        f"fetch-{KAFKA_VERSION}.log",
    ]


def test_go_proxy_unreachable_names_the_registry_and_leaves_no_half_cache(
    bin_dir: Path, tmp_path: Path
) -> None:
    answers = (
        'case "$1" in\n'
        "  version) echo 'go version go1.26.8 linux/amd64'; exit 0 ;;\n"
        "  env) echo 'https://proxy.golang.org,direct'; exit 0 ;;\n"
        "esac"
    )
    _failing_tool(bin_dir, "go", GO_OFFLINE, answers)
    settings = Settings().model_copy(update={"cache_dir": tmp_path / "cache"})
    with pytest.raises(StackError) as caught:
        ensure_opa(settings)
    message = str(caught.value)
    assert "Go module proxy (https://proxy.golang.org,direct)" in message
    assert "OPA_URL" in message
    assert "no such host" in message
    assert sorted(os.listdir(tmp_path / "cache" / "opa")) == [
        f"{OPA_VERSION}.lock",
        f"build-{OPA_VERSION}.log",
    ]
