"""Where the gateway's time goes: py-spy sampling this very process while it routes.

`bench.pipeline --profile FILE` attaches py-spy (`py-spy record --pid`, raw collapsed stacks, idle
samples included) to itself for the timed gateway pass only, and then prints the top entries:

    .venv/bin/python -m bench.pipeline --signals 10000 --runs 1 --profile build/bench/gateway.prof
    .venv/bin/python -m bench.profile build/bench/gateway.prof        # the table again

Each stack sampled is one line, `frame;frame;...;frame count`, a frame `function (file:line)`.
The table counts the samples of the main thread (another thread's stack starts in
`threading._bootstrap`): *self* where a function was the innermost frame,
*total* where it was anywhere on the stack, as shares of all samples. Idle samples (the event loop
waiting for the network) show as `select`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

SPY = Path(sys.executable).parent / "py-spy"
RATE = 200  # samples per second
FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


@contextlib.contextmanager
def profiled(out: Path | None) -> Iterator[None]:
    """py-spy sampling this process while the block runs, its stacks written to `out`."""
    if out is None:
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [str(SPY), "record", "--pid", str(os.getpid()), "--rate", str(RATE), "--format", "raw",
         "--idle", "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1.0)  # attached
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        _, errors = spy.communicate(timeout=60)
        if spy.returncode not in (0, -signal.SIGINT):
            raise RuntimeError(f"py-spy failed ({spy.returncode}): {errors.decode()[-500:]}")


def name(frame: str) -> str:
    """`function (module file)`, without the line: one entry per function."""
    found = FRAME.match(frame.strip())
    if found is None:
        return frame.strip()
    path = Path(found["file"])
    parts = path.parts
    where = "/".join(parts[parts.index("site-packages") + 1 :]) if "site-packages" in parts else path.name
    return f"{found['function']} ({where})"


def tables(stacks: Path, top: int = 25) -> str:
    selfs: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    samples = 0
    for line in stacks.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if not frames or not count.isdigit():
            continue
        n = int(count)
        names = [name(f) for f in frames.split(";") if not f.startswith(("process ", "thread "))]
        if not names or names[0].startswith("Thread._bootstrap "):
            continue  # another thread's: the main thread's stacks start in runpy
        samples += n
        selfs[names[-1]] += n
        for entry in set(names):
            totals[entry] += n
    out = [f"{samples} samples at {RATE}/s ({samples / RATE:.1f} s)", "", "| self | function |", "|---:|---|"]
    out += [f"| {n / samples:.1%} | `{entry}` |" for entry, n in selfs.most_common(top)]
    out += ["", "| total | function |", "|---:|---|"]
    out += [f"| {n / samples:.1%} | `{entry}` |" for entry, n in totals.most_common(top)]
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stacks", type=Path, help="py-spy's raw output")
    parser.add_argument("--top", type=int, default=25)
    arguments = parser.parse_args()
    print(tables(arguments.stacks, arguments.top))
