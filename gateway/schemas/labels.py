"""What people read for the contracts: a label in Dutch (the default) and English for every signal
type, every field path, every code value and every kind of chain obligation, from `labels.yaml`
beside the schemas. The on-call console shows alerts and due items with these; its e-mail and
webhooks name the signal type with them. Pure: the file is read once.

A field is labelled by its name wherever it stands (`suspect.address.city` is `city`), unless
`paths` gives the path of one signal type its own label; a list's items are `[]` in a path
(`conditions[].kind`). Code values are labelled per enum, and found for a path through the models.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
DEFAULT_LANGUAGE: Language = "nl"
GROUPS = ("person", "measure", "event", "contact")
FILE = Path(__file__).with_name("labels.yaml")


@cache
def _file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    return loaded


def language(value: object) -> Language:
    """The language asked for if it is one we have, else the default (Dutch)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _in(entry: dict[str, str] | None, lang: Language) -> str | None:
    return entry.get(lang) if isinstance(entry, dict) else None


def _kinds(annotation: Any) -> list[Any]:
    """The types an annotation may hold: `list[Person] | None` is [Person]."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, typing.Annotated):
        args = get_args(annotation)[:1] if origin is typing.Annotated else get_args(annotation)
        return [kind for arg in args for kind in _kinds(arg)]
    return [annotation]


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return False


def field_paths(model: type[BaseModel], prefix: str = "") -> dict[str, type[Enum] | None]:
    """Every field path of a model, and the enum its values come from (None for free values)."""
    paths: dict[str, type[Enum] | None] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        kinds = _kinds(info.annotation)
        paths[path] = next((k for k in kinds if isinstance(k, type) and issubclass(k, Enum)), None)
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                inner = f"{path}[]." if _is_list(info.annotation) else f"{path}."
                paths.update(field_paths(kind, inner))
    return paths


def _leaf(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def field_label(signal_type: str, path: str, lang: Language) -> str | None:
    own = _file()["paths"].get(signal_type, {}).get(path)
    return _in(own, lang) or _in(_file()["fields"].get(_leaf(path)), lang)


def value_label(enum: type[Enum], value: str, lang: Language) -> str | None:
    return _in(_file()["values"].get(enum.__name__, {}).get(value), lang)


def group_of(signal_type: str, field: str) -> str:
    """Where a top-level field stands in an alert's details: person, measure, event or contact."""
    own = _file()["group_paths"].get(signal_type, {})
    group: str = own.get(field) or _file()["groups"].get(field) or "event"
    return group


def signal_label(signal_type: str, lang: Language) -> str | None:
    return _in(_file()["signals"].get(signal_type), lang)


def obligation_label(kind: str, lang: Language) -> str | None:
    return _in(_file()["obligations"].get(kind), lang)


def _catalogue() -> dict[str, type[BaseModel]]:
    from gateway.schemas import CATALOGUE  # the package imports every signal; this module is in it

    return dict(CATALOGUE)


def signal_labels(signal_type: str, lang: Language) -> dict[str, Any]:
    """One signal type's labels, as the page takes them: its name, the paths labelled otherwise than
    their field's name (`paths`; the rest by `labels()["fields"]`), each path's code values, and the
    group of each top-level field not an event's."""
    model = _catalogue()[signal_type]
    paths = field_paths(model)
    own = _file()["paths"].get(signal_type, {})
    label = signal_label(signal_type, lang) or signal_type
    return {
        "label": label,
        "short": _in(_file()["short"].get(signal_type), lang) or label,
        "paths": {path: _in(label, lang) for path, label in own.items()},
        "values": {
            path: {member.value: value_label(enum, member.value, lang) or member.value for member in enum}
            for path, enum in paths.items()
            if enum is not None
        },
        "groups": {
            name: group for name in model.model_fields if (group := group_of(signal_type, name)) != "event"
        },
    }


def labels(lang: Language) -> dict[str, Any]:
    """Every label in one language, as the console's page takes them."""
    return {
        "fields": {name: _in(label, lang) for name, label in _file()["fields"].items()},
        "signals": {signal_type: signal_labels(signal_type, lang) for signal_type in _catalogue()},
        "obligations": {kind: obligation_label(kind, lang) for kind in _file()["obligations"]},
    }


def missing() -> list[str]:
    """Every label the catalogue lacks, in either language: each signal type, field path and code
    value of every signal in CATALOGUE. Empty when complete."""
    gaps = []
    for signal_type, model in _catalogue().items():
        for lang in LANGUAGES:
            if not signal_label(signal_type, lang):
                gaps.append(f"{lang}: signal {signal_type}")
            for path, enum in field_paths(model).items():
                if not field_label(signal_type, path, lang):
                    gaps.append(f"{lang}: {signal_type} field {path}")
                for member in enum or ():
                    if not value_label(enum, member.value, lang):  # type: ignore[arg-type]
                        gaps.append(f"{lang}: {signal_type} {path} value {member.value}")
    return gaps
