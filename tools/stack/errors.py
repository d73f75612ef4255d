"""The one error the local stack raises."""

from __future__ import annotations


class StackError(Exception):
    """One line a person can act on: what went wrong and what to do about it.

    The CLI prints the message as it is and exits 2, so the message never spans lines and never
    needs a traceback to be understood.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(line.strip() for line in message.splitlines() if line.strip()))
