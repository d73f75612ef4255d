"""Is a new minor version backward compatible? It must accept every message the previous one did.

A structural comparison of two JSON Schemas (the subset pydantic emits): a new minor version may
add optional fields, add enum values, widen limits; it may not add a required field, remove a
field, remove an enum value, narrow a limit or change a pattern. Anything this check does not
understand counts as incompatible, so it errs toward a new major version.

Checks written in code (such as the BSN's 11-test) do not appear in a JSON Schema; a change to one
must be reviewed by hand.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

# Keywords that only describe, never constrain.
ANNOTATIONS = {"title", "description", "default", "examples", "$schema", "$id", "$defs", "format"}
LOWER_BOUNDS = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
UPPER_BOUNDS = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")
HANDLED = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "anyOf", "oneOf", "pattern", "$ref", *LOWER_BOUNDS, *UPPER_BOUNDS,
}  # fmt: skip


class _Resolver:
    def __init__(self, root: Schema) -> None:
        self.defs: dict[str, Schema] = root.get("$defs", {})

    def __call__(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[1]]
        return schema


def incompatibilities(old_root: Schema, new_root: Schema) -> list[str]:
    """Why `new_root` rejects some message `old_root` accepts; empty when it accepts them all."""
    old_of, new_of = _Resolver(old_root), _Resolver(new_root)
    problems: list[str] = []

    def types(schema: Schema) -> set[str]:
        value = schema.get("type")
        return {value} if isinstance(value, str) else set(value or ())

    def compare(old: Schema, new: Schema, path: str, seen: frozenset[tuple[int, int]]) -> None:
        old, new = old_of(old), new_of(new)
        if (id(old), id(new)) in seen:
            return
        seen = seen | {(id(old), id(new))}
        if new == {}:
            return  # the new schema accepts anything here
        for keyword in set(old) | set(new):
            if keyword not in HANDLED | ANNOTATIONS and old.get(keyword) != new.get(keyword):
                problems.append(f"{path}: '{keyword}' changed")
        if "anyOf" in old or "oneOf" in old:
            for index, branch in enumerate(old.get("anyOf") or old.get("oneOf") or []):
                if not any(
                    _accepts_branch(branch, candidate, f"{path}|{index}", seen)
                    for candidate in _branches(new)
                ):
                    problems.append(f"{path}: an accepted alternative is no longer accepted")
            return
        if "anyOf" in new or "oneOf" in new:
            if not any(_accepts_branch(old, candidate, path, seen) for candidate in _branches(new)):
                problems.append(f"{path}: no alternative accepts what was accepted")
            return
        if types(new) and not types(old) <= types(new) | ({"number"} if "integer" in types(new) else set()):
            problems.append(f"{path}: type {sorted(types(old))} became {sorted(types(new))}")
        if "enum" in new and not set(map(str, old.get("enum", ["<any>"]))) <= set(map(str, new["enum"])):
            lost = set(map(str, old.get("enum", ["<any>"]))) - set(map(str, new["enum"]))
            problems.append(f"{path}: enum values removed: {sorted(lost)}")
        if "const" in new and old.get("const") != new["const"]:
            problems.append(f"{path}: const changed")
        if "pattern" in new and old.get("pattern") != new["pattern"]:
            problems.append(f"{path}: pattern changed")
        for bound in LOWER_BOUNDS:
            if bound in new and (bound not in old or new[bound] > old[bound]):
                problems.append(f"{path}: {bound} raised to {new[bound]}")
        for bound in UPPER_BOUNDS:
            if bound in new and (bound not in old or new[bound] < old[bound]):
                problems.append(f"{path}: {bound} lowered to {new[bound]}")
        if "items" in old or "items" in new:
            compare(old.get("items", {}), new.get("items", {}), f"{path}[]", seen)
        if "object" in types(old) | types(new):
            compare_object(old, new, path, seen)

    def compare_object(old: Schema, new: Schema, path: str, seen: frozenset[tuple[int, int]]) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
            problems.append(f"{path}.{name}: newly required")
        for name, old_prop in old_props.items():
            if name in new_props:
                compare(old_prop, new_props[name], f"{path}.{name}", seen)
            elif new.get("additionalProperties", True) is False:
                problems.append(f"{path}.{name}: removed")
        if (
            old.get("additionalProperties", True) is not False
            and new.get("additionalProperties", True) is False
        ):
            problems.append(f"{path}: extra fields no longer allowed")

    def _branches(schema: Schema) -> list[Schema]:
        return list(schema.get("anyOf") or schema.get("oneOf") or [schema])

    def _accepts_branch(old: Schema, new: Schema, path: str, seen: frozenset[tuple[int, int]]) -> bool:
        before = len(problems)
        compare(old, new, path, seen)
        accepted = len(problems) == before
        del problems[before:]
        return accepted

    compare(old_root, new_root, "(body)", frozenset())
    return problems
