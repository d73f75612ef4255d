"""Memory of the gateway's id memory (gateway/signal_ids.py) at a given number of remembered ids, and
the time to check one id: what `MEMORY_DAYS` of a region's or the nation's signals costs.

    .venv/bin/python -m bench.ids --ids 250000
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import time
import tracemalloc
from datetime import UTC, datetime
from uuid import uuid4

from gateway.schemas.signal_seen import SignalSeen
from gateway.signal_ids import SignalIds


def filled(count: int) -> SignalIds:
    """The memory as loading `count` `first` records from gateway.signal-ids leaves it."""
    ids = SignalIds()
    now = datetime.now(UTC)
    for n in range(count):
        seen = SignalSeen(
            signal_id=str(uuid4()),
            outcome="first",
            digest=hashlib.sha256(str(n).encode()).hexdigest(),
            topic="signals.veiligthuis",
            partition=n % 12,
            offset=n,
            first=f"signals.veiligthuis[{n % 12}]@{n}",
            seen_at=now,
        )
        ids.put(seen)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ids", type=int, default=250_000)
    args = parser.parse_args()
    gc.collect()
    tracemalloc.start()
    ids = filled(args.ids)
    gc.collect()
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    keys = list(ids.seen)[:: max(args.ids // 10_000, 1)]
    started = time.perf_counter()
    for key in keys:
        assert key in ids.seen
    per_lookup = (time.perf_counter() - started) / len(keys)
    print(
        f"{args.ids} ids remembered: {size / 2**20:.1f} MiB, {size / args.ids:.0f} bytes per id; "
        f"lookup {per_lookup * 1e9:.0f} ns"
    )


if __name__ == "__main__":
    main()
