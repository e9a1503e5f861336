"""The edit model: an edit is data, a selector plus an action.

The selector is an element path as :mod:`dicomhelp.paths` parses it (keyword,
tag, ``(0029,"CREATOR",10)`` for a private element by its creator, ``[*]`` for
every item). The action is one of :class:`Action`. ``edit``, ``anonymize`` and
Python callers all build :class:`Edit` objects and run :func:`apply_edits`::

    from dicomhelp.edit.model import Edit, apply_edits
    apply_edits(ds, [Edit.set("PatientName", "Doe^Jane"), Edit.delete("(0029,\\"SIEMENS CSA HEADER\\",10)")])

Values are parsed for the element's VR and checked against VR and VM before
the dataset is changed; a value with characters the dataset's Specific
Character Set cannot encode switches it to ISO_IR 192 (UTF-8), re-encoding
the existing text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import UsageError
from dicomhelp.paths import WILDCARD, Match, Step, parse, resolve

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.uids import UIDPolicy

UTF8 = "ISO_IR 192"


class Action(str, Enum):
    SET = "set"  # replace the value, adding the element if absent
    DELETE = "delete"  # remove the element (a no-op where absent)
    INSERT = "insert"  # add the element, creating sequences and items on the way; error if present
    EMPTY = "empty"  # keep the element with a zero-length value
    REPLACE_UID = "replace_uid"  # replace each UID by a new one, the same new one everywhere in a run
    KEEP = "keep"  # leave untouched (overrides anonymize's profile)


@dataclass(frozen=True)
class Edit:
    """One edit. ``value`` is text as typed (``\\`` separates values) or a Python/YAML value."""

    action: Action
    path: str
    value: Any = None
    vr: str | None = None
    steps: tuple[Step, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "steps", tuple(parse(self.path)))  # unknown keyword: UsageError now
        if self.action is not Action.KEEP:
            _check_editable(self)
        if self.steps and self.steps[-1].index is not None and self.action is not Action.KEEP:
            # `dump --paths` prints item lines too; an edit on one would silently match nothing.
            raise UsageError(f"{self.action.value} {self.path}: a path must end at an element, not at an item",
                             hint="name an element inside the item (Seq[0].Keyword), or the whole "
                             "sequence to delete or empty it")
        if self.action in (Action.SET, Action.INSERT) and self.value is None and self.vr != "SQ":
            raise UsageError(f"{self.action.value} {self.path}: no value given", hint="use PATH=VALUE")

    @classmethod
    def set(cls, path: str, value: Any, vr: str | None = None) -> Edit:
        return cls(Action.SET, path, value, vr)

    @classmethod
    def insert(cls, path: str, value: Any, vr: str | None = None) -> Edit:
        return cls(Action.INSERT, path, value, vr)

    @classmethod
    def delete(cls, path: str) -> Edit:
        return cls(Action.DELETE, path)

    @classmethod
    def empty(cls, path: str) -> Edit:
        return cls(Action.EMPTY, path)

    @classmethod
    def replace_uid(cls, path: str) -> Edit:
        return cls(Action.REPLACE_UID, path)

    @classmethod
    def keep(cls, path: str) -> Edit:
        return cls(Action.KEEP, path)

    @property
    def has_wildcard(self) -> bool:
        return any(s.index == WILDCARD for s in self.steps)

    def describe(self) -> str:
        if self.action in (Action.SET, Action.INSERT):
            return f"{self.action.value} {self.path}={self.value}"
        return f"{self.action.value} {self.path}"


def parse_assignment(text: str, action: Action) -> Edit:
    """``PATH=VALUE`` from the command line (the first ``=`` outside quotes and parentheses splits)."""
    depth, quoted = 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        elif ch == "=" and depth == 0 and not quoted:
            path, value = text[:i].strip(), text[i + 1:]
            vr = None
            if ":" in path and path.rsplit(":", 1)[1].isalpha() and len(path.rsplit(":", 1)[1]) == 2:
                path, vr = path.rsplit(":", 1)  # PATH:VR=VALUE for private elements
            return Edit(action, path, value, vr.upper() if vr else None)
    raise UsageError(f"'{text}' is not PATH=VALUE", hint="e.g. --set PatientName=Doe^Jane")


def _check_editable(edit: Edit) -> None:
    """Refuse what cannot be written back: file meta, item tags, a VR that does not exist."""
    from dicomhelp.standard.vrs import VRS

    for step in edit.steps:
        group = (step.tag >> 16) if step.tag is not None else step.group
        if group == 0x0002:
            raise UsageError(f"{edit.action.value} {edit.path}: the file meta information (group 0002) is "
                             "written from the dataset, not edited",
                             hint="change SOPInstanceUID or SOPClassUID; `dicomhelp transcode` changes the "
                             "transfer syntax")
        if group == 0xFFFE:
            raise UsageError(f"{edit.action.value} {edit.path}: item and delimiter tags (FFFE,xxxx) are the "
                             "structure of sequences, not elements", hint="name an element inside an item")
    if edit.vr and edit.vr.upper() not in VRS:
        raise UsageError(f"{edit.action.value} {edit.path}: '{edit.vr}' is not a value representation",
                         hint="e.g. LO, SH, CS, DS, US (`dicomhelp explain LO` says what each holds)")


def load_edits(path: str | os.PathLike[str]) -> list[Edit]:
    """Edits from a YAML file: a list (or ``edits:`` list) of ``{ACTION: PATH, value: ..., vr: ...}``."""
    import yaml

    p = Path(path)
    if p.is_dir():
        raise UsageError("is a folder", source=str(p), hint="--edits takes a YAML file")
    if not p.is_file():
        raise UsageError("no such file", source=str(p), hint="--edits takes a YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError("is not a text file", source=str(p), hint="--edits takes a YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"not valid YAML{where}", source=str(p)) from None
    if isinstance(data, dict) and "edits" in data:
        data = data["edits"]
    if not isinstance(data, list):
        raise UsageError("expected a list of edits (or 'edits:' with a list)", source=str(p))
    edits = []
    for n, item in enumerate(data):
        where = f"{p}: edits[{n}]"
        if not isinstance(item, dict):
            raise UsageError(f"{where}: expected a mapping like {{set: PatientName, value: Doe^Jane}}")
        actions = [a for a in Action if a.value in item]
        if len(actions) != 1:
            raise UsageError(f"{where}: name exactly one action of {', '.join(a.value for a in Action)}")
        extra = set(item) - {actions[0].value, "value", "vr"}
        if extra:
            raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        try:
            edits.append(Edit(actions[0], str(item[actions[0].value]), item.get("value"), item.get("vr")))
        except UsageError as exc:
            raise UsageError(f"{where}: {exc.one_line()}") from None
    return edits


@dataclass
class UIDMapper:
    """Old UID -> new UID, the same answer for the same UID within a run (and across runs with a seed)."""

    policy: UIDPolicy
    mapping: dict[str, str] = field(default_factory=dict)

    def __call__(self, old: str) -> str:
        old = str(old).strip()
        if not old:
            return old
        if old not in self.mapping:
            self.mapping[old] = self.policy.new("replace-uid", old)
        return self.mapping[old]


@dataclass
class Applied:
    """What an edit did, for messages and ``--dry-run``."""

    action: str
    path: str


def apply_edits(ds: Dataset, edits: Iterable[Edit], *, uids: UIDMapper | None = None) -> list[Applied]:
    """Apply ``edits`` to ``ds`` in order; return what was done.

    Every value is checked before the dataset changes, so an invalid value
    leaves ``ds`` as it was (paths with ``[*]`` or new sequences are checked
    per element). Raises :class:`UsageError` with the element path.
    """
    edits = list(edits)
    if uids is None and any(e.action is Action.REPLACE_UID for e in edits):
        from dicomhelp.uids import UIDPolicy

        uids = UIDMapper(UIDPolicy.from_env())  # one mapper: the same old UID gets the same new one
    plans = [_plan(ds, e) for e in edits]  # values parsed and checked before any change
    if any(_needs_utf8(ds, plan) for plan in plans):
        switch_to_utf8(ds)
    done: list[Applied] = []
    for edit, plan in zip(edits, plans):
        done.extend(_apply(ds, edit, plan, uids))
    return done


@dataclass
class _Plan:
    matches: list[Match]
    values: list[Any]


def _plan(ds: Dataset, edit: Edit) -> _Plan:
    from dicomhelp.edit.values import check_vm, parse_value, value_count, vm_for, vr_for

    if edit.action not in (Action.SET, Action.INSERT):
        return _Plan(list(resolve(ds, list(edit.steps))), [])
    matches = list(resolve(ds, list(edit.steps)))
    if edit.action is Action.INSERT:
        present = [m for m in matches if m.element is not None]
        if present:
            raise UsageError(f"insert {present[0].path}: the element already exists", hint="use --set to change it")
    values = []
    if not matches and not edit.has_wildcard:
        # Nothing there yet: check the value against the dictionary, create the path on apply.
        last = edit.steps[-1]
        tag = last.tag
        if tag is None:  # private by creator, block absent: VR must come from the edit
            if not edit.vr:
                raise UsageError(f"{edit.path}: the private block does not exist yet", hint="give vr: for a new element")
            values.append(parse_value(edit.value, edit.vr.upper(), path=edit.path))
        else:
            from pydicom import Dataset

            vr = vr_for(Dataset(), tag, edit.vr)
            value = parse_value(edit.value, vr, path=edit.path)
            check_vm(value_count(value), vm_for(Dataset(), tag) if (tag >> 16) % 2 == 0 else None, edit.path)
            values.append(value)
        return _Plan([], values)
    for m in matches:
        vr = vr_for(m.parent, m.tag, edit.vr)
        value = parse_value(edit.value, vr, path=m.path)
        if vr != "SQ":
            check_vm(value_count(value), vm_for(m.parent, m.tag), m.path)
        values.append(value)
    return _Plan(matches, values)


def _apply(ds: Dataset, edit: Edit, plan: _Plan, uids: UIDMapper | None) -> list[Applied]:
    from dicomhelp.edit.values import vr_for

    done: list[Applied] = []
    if edit.action in (Action.SET, Action.INSERT):
        matches, values = plan.matches, plan.values
        if not matches and values:
            matches = list(resolve(ds, list(edit.steps), create=True))
            if not matches:
                raise UsageError(f"{edit.action.value} {edit.path}: the path leads nowhere in this file",
                                 hint="items are numbered from 0 and added one at a time; "
                                 "a step before the last must be a sequence")
            values = values * len(matches)
        for m, value in zip(matches, values):
            vr = vr_for(m.parent, m.tag, edit.vr)
            if m.tag in m.parent:
                elem = m.parent[m.tag]
                elem.VR = vr if str(elem.VR) == "UN" and edit.vr else elem.VR
                elem.value = value
                done.append(Applied("changed", m.path))
            else:
                m.parent.add_new(m.tag, vr, value)
                done.append(Applied("added", m.path))
        if any(m.tag == 0x00080018 and m.parent is ds for m in matches):
            _sync_media_uid(ds)
        return done
    for m in plan.matches:
        if m.tag not in m.parent:
            continue
        if edit.action is Action.DELETE:
            del m.parent[m.tag]
            done.append(Applied("deleted", m.path))
        elif edit.action is Action.EMPTY:
            elem = m.parent[m.tag]
            elem.value = [] if elem.VR == "SQ" else None
            done.append(Applied("emptied", m.path))
        elif edit.action is Action.REPLACE_UID:
            elem = m.parent[m.tag]
            if elem.VR != "UI":
                raise UsageError(f"replace_uid {m.path}: VR is {elem.VR}, not UI")
            assert uids is not None
            old = elem.value
            if not old:
                continue
            elem.value = uids(old) if isinstance(old, str) else [uids(v) for v in old]
            done.append(Applied("uid replaced", m.path))
        # KEEP: nothing to do here; anonymize consults the keep edits.
    if any(m.tag == 0x00080018 and m.parent is ds for m in plan.matches):
        _sync_media_uid(ds)
    return done


def _sync_media_uid(ds: Dataset) -> None:
    """The file meta must name the same SOP Instance UID as the dataset."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "MediaStorageSOPInstanceUID" in meta and "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def _needs_utf8(ds: Dataset, plan: _Plan) -> bool:
    texts = [t for v in plan.values for t in _texts(v)]
    if not any(not t.isascii() for t in texts):
        return False
    encodings = _python_encodings(ds)
    for t in texts:
        if t.isascii():
            continue
        if not any(_encodes(t, enc) for enc in encodings):
            return True
    return False


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            if hasattr(v, "iterall"):  # a sequence item
                out.extend(str(e.value) for e in v.iterall() if isinstance(e.value, str))
            else:
                out.extend(_texts(v))
        return out
    return []


def _python_encodings(ds: Dataset) -> list[str]:
    from pydicom.charset import convert_encodings

    raw = ds.get(0x00080005)
    value = raw.value if raw is not None else ""
    try:
        encodings = convert_encodings(value or "ISO_IR 6")
    except Exception:  # an unknown term: treat as needing UTF-8
        return []
    # Only single-byte, non-code-extension sets are safe to extend with new text.
    return encodings[:1] if len(encodings) == 1 else []


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def switch_to_utf8(ds: Dataset) -> None:
    """Decode every text value with the current character set, then declare ISO_IR 192.

    pydicom writes still-raw elements byte for byte, so decoding first is what
    makes the existing text come out correctly encoded in UTF-8.
    """
    ds.decode()
    _declare_utf8(ds, top=True)


def _declare_utf8(ds: Dataset, *, top: bool) -> None:
    if top or "SpecificCharacterSet" in ds:
        ds.SpecificCharacterSet = UTF8
    ds._parent_encoding = "utf_8"  # items inherit the new set when written
    for elem in ds:
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                _declare_utf8(item, top=False)
