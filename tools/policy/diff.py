"""`ketenpoort policy diff`: for a policy change, who gains or loses which fields of which signals.

Both versions of the policies are asked the same questions (the sharing matrix's situations), each
in a throwaway OPA, and the answers are compared.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.settings import Settings
from tools.policy.engine import policy_engine
from tools.policy.matrix import Row, build


class DiffError(RuntimeError):
    """The base revision's policies could not be read."""


@dataclass(frozen=True)
class Change:
    signal_type: str
    situation: str
    recipient: str
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    before: dict[str, Any]
    after: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "signal_type": self.signal_type,
            "situation": self.situation,
            "recipient": self.recipient,
            "gained_fields": list(self.gained),
            "lost_fields": list(self.lost),
            "before": self.before,
            "after": self.after,
        }


def policies_at(revision: str, policy_dir: Path, into: Path) -> Path:
    """Check out the policy directory as it was at a git revision, into `into`."""

    def git(*args: str, cwd: Path = policy_dir) -> bytes:
        try:
            return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", b"") or str(error).encode()
            raise DiffError(f"git {' '.join(args)}: {detail.decode(errors='replace').strip()}") from None

    top = Path(git("rev-parse", "--show-toplevel").decode().strip())
    relative = policy_dir.resolve().relative_to(top)
    archive = into / "policies.tar"
    archive.write_bytes(git("archive", "--format=tar", revision, "--", str(relative), cwd=top))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / relative


def _summary(row: Row | None) -> dict[str, Any]:
    if row is None:
        return {"level": "none"}
    return {
        "level": row.level,
        "legal_basis": row.legal_basis,
        "purpose": row.purpose,
        "urgency": row.urgency,
    }


def compare(before: list[Row], after: list[Row]) -> list[Change]:
    old, new = {row.key(): row for row in before}, {row.key(): row for row in after}
    changes = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        was_fields, now_fields = set(was.fields if was else ()), set(now.fields if now else ())
        if _summary(was) == _summary(now) and was_fields == now_fields:
            continue
        changes.append(
            Change(
                signal_type=key[0],
                situation=key[1],
                recipient=key[2],
                gained=tuple(sorted(now_fields - was_fields)),
                lost=tuple(sorted(was_fields - now_fields)),
                before=_summary(was),
                after=_summary(now),
            )
        )
    return changes


@contextmanager
def base_policies(settings: Settings, base: str) -> Iterator[Path]:
    """The base policies: a directory as it is, or the policy directory at a git revision."""
    if Path(base).is_dir():
        yield Path(base)
        return
    with tempfile.TemporaryDirectory(prefix="ketenpoort-policy-diff-") as tmp:
        yield policies_at(base, settings.policy_dir, Path(tmp))


async def diff(settings: Settings, base: str) -> list[Change]:
    with base_policies(settings, base) as base_dir:
        async with policy_engine(settings, base_dir) as engine:
            before = await build(engine)
        async with policy_engine(settings, settings.policy_dir) as engine:
            after = await build(engine)
    return compare(before, after)
