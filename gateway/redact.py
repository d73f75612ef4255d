"""Redaction: keep exactly the granted fields of a signal body, nothing else.

Paths are dotted (`victim.address.city`). A path into a list applies to every element
(`children.given_name`). A granted object is kept whole. Everything not granted is dropped, so a
field added to a schema later never leaks by default.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

Tree = dict[str, "Tree | None"]  # None marks "keep this whole"


def grant_tree(paths: Iterable[str]) -> Tree:
    """The granted paths as a tree. Few distinct grants exist (one per policy answer), and every
    copy of a signal redacts by one, so each is built once (not to be changed by its users)."""
    return _tree(tuple(paths))


@functools.lru_cache(maxsize=1024)
def _tree(paths: tuple[str, ...]) -> Tree:
    tree: Tree = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for index, part in enumerate(parts):
            if node.get(part, {}) is None:
                break  # an ancestor is already granted whole
            if index == len(parts) - 1:
                node[part] = None
            else:
                child = node.setdefault(part, {})
                assert child is not None
                node = child
    return tree


NOTHING = object()  # marks "no granted part here", so that not even the key leaves


def _keep(value: Any, tree: Tree | None) -> Any:
    if tree is None:
        return value
    if value is None:
        return None  # an absent object stays visibly absent when something inside it was granted
    if isinstance(value, list):
        return [kept for item in value if (kept := _keep(item, tree)) is not NOTHING]
    if isinstance(value, dict):
        kept_fields = {key: _keep(value[key], subtree) for key, subtree in tree.items() if key in value}
        return {key: kept for key, kept in kept_fields.items() if kept is not NOTHING}
    return NOTHING  # a path deeper than a plain value goes: nothing to keep


def redact(body: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    kept: dict[str, Any] = _keep(body, grant_tree(paths))
    return kept


def withheld(body: dict[str, Any], paths: Iterable[str]) -> list[str]:
    """Top-level and nested leaf paths present in `body` that the grant does not cover (for audit)."""
    tree = grant_tree(paths)
    out: list[str] = []

    def walk(value: Any, node: Tree | None, prefix: str) -> None:
        if node is None:
            return
        if isinstance(value, list):
            for item in value:
                walk(item, node, prefix)
            return
        if not isinstance(value, dict):
            return
        for key, child in value.items():
            path = f"{prefix}{key}"
            if key not in node:
                if child not in (None, [], {}) and path not in out:
                    out.append(path)
            else:
                walk(child, node[key], f"{path}.")

    walk(body, tree, "")
    return out
