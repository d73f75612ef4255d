"""The binary cache: a lock per artifact and an install that is all or nothing.

An artifact is built in a temporary directory beside its final place and renamed into place, so an
interrupted fetch leaves only a `.tmp-*` directory, which the next fetch removes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.stack.errors import StackError


@contextmanager
def file_lock(path: Path, timeout_s: float = 900.0) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (created if missing) for the block.

    The timeout is long because the holder may be building OPA from source.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StackError(
                        f"another ketenpoort command holds {path} for over {timeout_s:.0f} s; "
                        "wait for it, or stop it"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def install_atomically(
    final: Path, build: Callable[[Path], None], is_complete: Callable[[Path], bool]
) -> Path:
    """Return `final`, first building it with `build(tmp_dir)` and renaming it into place if needed.

    Holds `<final>.lock` meanwhile, so two processes never build the same artifact at once.
    """
    if is_complete(final):
        return final
    parent = final.parent
    with file_lock(parent / f"{final.name}.lock"):
        if is_complete(final):
            return final
        for leftover in parent.glob(f".tmp-{final.name}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=parent))
        try:
            build(tmp)
            if not is_complete(tmp):
                raise StackError(f"building {final} produced an incomplete result in {tmp}")
            tmp.chmod(0o755)  # mkdtemp makes it private; the cache is readable like any install
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final
