"""Typed creation specs: YAML/JSON → dataclasses, with errors naming the spec path, and JSON Schema.

Every creator (SR, GSPS, results) describes its spec as plain dataclasses; this
module turns a loaded YAML or JSON document into those objects and publishes a
JSON Schema generated from the *same* dataclasses, so the schema an editor uses
and the objects the code uses cannot drift apart.

>>> @dataclass
... class Unit:
...     code: str = field(metadata={"doc": "UCUM code"})
>>> from_data(Unit, {"code": "mm"}).code
'mm'

Rules (strict when writing):

- unknown keys are errors, with "did you mean" for near misses;
- a missing required key, a wrong type or a bad value raises one
  :class:`~dicomhelp.errors.SpecError` whose ``source`` is the spec path,
  e.g. ``groups[2].measurements[0].unit``;
- YAML keys use the dataclass field names; ``metadata={"key": "..."}`` maps a
  field to another key (e.g. ``from``), ``metadata={"doc": "..."}`` documents it
  in the schema.

A dataclass can take over its own parsing and schema with two class methods:
``_spec_parse(cls, value, path) -> instance`` (raise :class:`SpecError`, use
:func:`fail`) and ``_spec_schema(cls) -> dict``. This is how short forms such
as a code written ``"SCT: Liver"`` are accepted.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from dicomhelp.errors import SpecError, UsageError

T = TypeVar("T")

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

__all__ = [
    "SpecError", "dataclass", "field", "fail", "from_data", "load_data", "load_spec",
    "json_schema", "to_data", "dump_yaml", "join", "did_you_mean",
]


# ---------------------------------------------------------------- paths and errors


def join(path: str, key: str | int) -> str:
    """``join("groups", 2)`` → ``groups[2]``; ``join("groups[2]", "unit")`` → ``groups[2].unit``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def fail(path: str, message: str, hint: str | None = None) -> typing.NoReturn:
    """Raise the one error a bad spec gets: ``<path>: <message> (<hint>)``."""
    raise SpecError(message, source=path or "spec", hint=hint)


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a mapping"}
    for kind, name in names.items():
        if type(value) is kind:
            return f"{name} ({value!r})" if kind in (bool, int, float, str) else name
    return type(value).__name__


# ---------------------------------------------------------------- loading


def load_data(source: str | Path) -> Any:
    """Parse a YAML or JSON file (JSON is YAML, but JSON errors read better from json)."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("no such spec file", source=str(path), hint="check the path") from None
    except IsADirectoryError:
        raise UsageError("is a folder, not a spec file", source=str(path), hint="give the YAML or JSON spec") from None
    except UnicodeDecodeError:
        raise SpecError("is not a text file (UTF-8)", source=str(path), hint="give the YAML or JSON spec") from None
    except OSError as exc:
        raise UsageError(f"cannot read the spec: {exc.strerror or exc}", source=str(path)) from None
    return parse_text(text, name=str(path))


def parse_text(text: str, *, name: str = "spec") -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=name) from None
    import yaml

    # libyaml's loader when installed: about 10x faster on large specs (500 groups).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(f"not valid YAML: {problem}{where}", source=name) from None


def load_spec(cls: type[T], source: str | Path | Mapping[str, Any]) -> T:
    """Load a spec file (or an already parsed mapping) into ``cls``."""
    data = source if isinstance(source, Mapping) else load_data(source)
    return from_data(cls, data)


# ---------------------------------------------------------------- dict → dataclass


def _hints(cls: type) -> dict[str, Any]:
    cached = _HINTS.get(cls)
    if cached is None:
        cached = typing.get_type_hints(cls, include_extras=False)
        _HINTS[cls] = cached
    return cached


_HINTS: dict[type, dict[str, Any]] = {}


def spec_key(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def from_data(tp: Any, value: Any, path: str = "") -> Any:
    """Convert ``value`` (parsed YAML/JSON) to type ``tp``, raising :class:`SpecError` at ``path``."""
    parse = getattr(tp, "_spec_parse", None)
    if parse is not None and isinstance(tp, type):
        return parse(value, path)
    if is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_from(tp, value, path)
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin is Literal:
        choices = get_args(tp)
        if value in choices and type(value) is type(choices[0]):
            return value
        hint = did_you_mean(str(value), map(str, choices)) if isinstance(value, str) else None
        fail(path, f"{_describe(value)} is not one of {', '.join(map(str, choices))}", hint)
    if origin in (Union, types.UnionType):
        return _union_from(tp, value, path)
    if origin in (list, tuple) or tp in (list, tuple):
        args = get_args(tp)
        if not isinstance(value, list):
            fail(path, f"expected a list, got {_describe(value)}")
        item_type = args[0] if args else Any
        items = [from_data(item_type, item, join(path, i)) for i, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        args = get_args(tp)
        if not isinstance(value, dict):
            fail(path, f"expected a mapping, got {_describe(value)}")
        vt = args[1] if len(args) == 2 else Any
        return {str(k): from_data(vt, v, join(path, str(k))) for k, v in value.items()}
    return _scalar_from(tp, value, path)


def _scalar_from(tp: Any, value: Any, path: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        fail(path, f"expected true or false, got {_describe(value)}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        fail(path, f"expected a whole number, got {_describe(value)}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        fail(path, f"expected a number, got {_describe(value)}")
    if tp is str:
        # YAML reads 2024-01-01 as a date and 1.10 as a float; a string field means the text.
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        fail(path, f"expected text, got {_describe(value)}")
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    fail(path, f"expected {getattr(tp, '__name__', tp)}, got {_describe(value)}")


def _union_from(tp: Any, value: Any, path: str) -> Any:
    args = get_args(tp)
    if value is None and type(None) in args:
        return None
    candidates = [a for a in args if a is not type(None)]
    if len(candidates) == 1:
        return from_data(candidates[0], value, path)
    errors: list[SpecError] = []
    for candidate in candidates:
        try:
            return from_data(candidate, value, path)
        except SpecError as exc:
            errors.append(exc)
    # The deepest error is the most specific one (a mapping that almost matched).
    best = max(errors, key=lambda e: len(e.source or ""))
    raise best


def _dataclass_from(cls: type, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        fail(path, f"expected a mapping with keys {', '.join(spec_key(f) for f in fields(cls))}, got {_describe(value)}")
    hints = _hints(cls)
    by_key = {spec_key(f): f for f in fields(cls) if f.init}
    for key in value:
        if key not in by_key:
            fail(join(path, str(key)), f"unknown key '{key}'", did_you_mean(str(key), by_key))
    kwargs: dict[str, Any] = {}
    for key, f in by_key.items():
        sub = join(path, key)
        if key in value:
            kwargs[f.name] = from_data(hints[f.name], value[key], sub)
        elif _required(f):
            fail(sub, f"'{key}' is required", f.metadata.get("doc"))
    try:
        obj = cls(**kwargs)
    except SpecError:
        raise
    except (TypeError, ValueError) as exc:
        fail(path, str(exc))
    check = getattr(obj, "_spec_check", None)
    if check is not None:
        check(path)
    return obj


# ---------------------------------------------------------------- dataclass → dict (for writing specs)


def to_data(obj: Any, *, keep_defaults: bool = False) -> Any:
    """Plain data (dict/list/str/...) for YAML/JSON, leaving out fields equal to their default."""
    dump = getattr(obj, "_spec_dump", None)
    if dump is not None:
        return dump()
    if is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in fields(obj):
            v = getattr(obj, f.name)
            if not keep_defaults and _is_default(f, v):
                continue
            out[spec_key(f)] = to_data(v, keep_defaults=keep_defaults)
        return out
    if isinstance(obj, (list, tuple)):
        return [to_data(v, keep_defaults=keep_defaults) for v in obj]
    if isinstance(obj, dict):
        return {k: to_data(v, keep_defaults=keep_defaults) for k, v in obj.items()}
    return obj


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not MISSING:
        return bool(value == f.default)
    if f.default_factory is not MISSING:
        return bool(value == f.default_factory())
    return False


def dump_yaml(data: Any) -> str:
    """YAML for people: keys in spec order, short lists of numbers (coordinates) on one line."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _list(dumper: yaml.SafeDumper, value: list[Any]) -> Any:
        flow = bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    _Dumper.add_representer(list, _list)
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100))


# ---------------------------------------------------------------- JSON Schema


def json_schema(cls: type, *, title: str | None = None, schema_id: str | None = None) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the spec rooted at dataclass ``cls``."""
    defs: dict[str, Any] = {}
    _schema(cls, defs)
    root = defs.pop(cls.__name__)  # the root inline: editors show its keys at top level
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT}
    if schema_id:
        schema["$id"] = schema_id
    if title:
        schema["title"] = title
    schema.update(root)
    schema["$defs"] = dict(sorted(defs.items()))
    return schema


def _schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if isinstance(tp, type) and (is_dataclass(tp) or hasattr(tp, "_spec_schema")):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: recursion stops here
            own: Callable[[], dict[str, Any]] | None = getattr(tp, "_spec_schema", None)
            defs[name] = own() if own is not None else _dataclass_schema(tp, defs)
            # A custom schema may refer to other dataclasses by name.
            for extra in getattr(tp, "_spec_schema_uses", ()):
                _schema(extra, defs)
        return {"$ref": f"#/$defs/{name}"}
    origin = get_origin(tp)
    if tp is Any:
        return {}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        parts = [_schema(a, defs) for a in args if a is not type(None)]
        if type(None) in args:
            parts.append({"type": "null"})
        return parts[0] if len(parts) == 1 else {"anyOf": parts}
    if origin in (list, tuple) or tp in (list, tuple):
        args = get_args(tp)
        return {"type": "array", "items": _schema(args[0], defs) if args else {}}
    if origin is dict or tp is dict:
        args = get_args(tp)
        return {"type": "object", "additionalProperties": _schema(args[1], defs) if len(args) == 2 else {}}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp in simple:
        return {"type": simple[tp]}
    return {}


def _dataclass_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in fields(cls):
        if not f.init:
            continue
        key = spec_key(f)
        prop = dict(_schema(hints[f.name], defs))
        if "doc" in f.metadata:
            prop["description"] = f.metadata["doc"]
        if f.default is not MISSING and isinstance(f.default, (str, int, float, bool)):
            prop["default"] = f.default
        if "examples" in f.metadata:
            prop["examples"] = list(f.metadata["examples"])
        props[key] = prop
        if _required(f):
            required.append(key)
    out: dict[str, Any] = {"type": "object"}
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    if doc and not doc.startswith(cls.__name__ + "("):
        out["description"] = " ".join(doc.split())
    out["properties"] = props
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


# ------------------------------------------------------------------ option sections (sc, pdf)


def options_from_dict(cls: type[T], data: Mapping[str, Any] | None, key: str,
                      convert: Callable[[str, Any, str], Any] | None = None) -> T:
    """An options dataclass (SC, PDF) from a spec section; errors name the spec key, e.g. ``sc.window``.

    ``convert(name, value, path)`` turns a spec value into the field's type; the
    dataclass's own checks (``__post_init__`` raising UsageError) become SpecErrors.
    """
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        raise SpecError("must be a mapping of options", source=key)
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            raise SpecError(f"unknown key (known: {', '.join(sorted(known))})", source=f"{key}.{name}")
        values[name] = convert(name, value, f"{key}.{name}") if convert is not None else value
    try:
        return cls(**values)
    except UsageError as exc:
        raise SpecError(exc.message, source=key, hint=exc.hint) from None
    except TypeError as exc:
        raise SpecError(str(exc), source=key) from None
