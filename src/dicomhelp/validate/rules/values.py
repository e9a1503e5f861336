"""Values: VR as in the dictionary, VM, the format and length rules of each VR.

Works on the bytes as stored (pydicom's raw elements), so padding and odd
lengths are seen as they are in the file. PS3.5 6.2 (Table 6.2-1, value
representations), PS3.5 6.4 (value multiplicity), PS3.5 7.1 (even lengths),
PS3.6 (the data dictionary), PS3.5 9.1 (UID encoding).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dicomhelp.paths import Step, format_path
from dicomhelp.validate.findings import Finding, error, info, warning

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.validate.context import Context

VR_REF = "PS3.5 6.2 Table 6.2-1"
VM_REF = "PS3.5 6.4; PS3.6"
MAX_LENGTH = {"AE": 16, "AS": 4, "CS": 16, "DA": 8, "DS": 16, "DT": 26, "IS": 12, "LO": 64, "LT": 10240,
              "SH": 16, "ST": 1024, "TM": 14, "UI": 64}
BINARY_SIZE = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "SV": 8, "UV": 8}
TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
SINGLE_VALUE_VRS = {"LT", "ST", "UT", "UR"}  # backslash is text there, not a delimiter
CHARSET_VRS = {"SH", "LO", "ST", "LT", "UT", "UC", "PN"}

_DA = re.compile(r"^\d{8}$")
_TM = re.compile(r"^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$")
_DT = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$")
_AS = re.compile(r"^\d{3}[DWMY]$")
_IS = re.compile(r"^[+-]?\d+$")
_DS = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_UI = re.compile(r"^[0-9.]+$")
_CS = re.compile(r"^[A-Z0-9 _]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x0c\x0e-\x1a\x1c-\x1f]")  # ESC (1B) allowed for ISO 2022
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")  # ST/LT/UT also allow LF, FF, CR, TAB


def check(ctx: Context) -> Iterator[Finding]:
    from pydicom.charset import convert_encodings

    ds = ctx.ds
    charset = ds.get(0x00080005)
    try:
        raw_cs = charset.value if charset is not None else None
        names = [raw_cs] if isinstance(raw_cs, str) else list(raw_cs or [])
        encodings = convert_encodings(names or ["ISO_IR 6"])
    except Exception:  # noqa: BLE001 - an unknown charset is reported as a value problem
        encodings = ["iso8859"]
    walker = _Walker(encodings, ctx.options.max_depth, bool(ds.original_encoding[0]))
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        yield from walker.walk(meta, [], 0)
    yield from walker.walk(ds, [], 0)


class _Walker:
    def __init__(self, encodings: list[str], max_depth: int, implicit: bool) -> None:
        self.encodings = encodings
        self.max_depth = max_depth
        self.implicit = implicit

    def walk(self, ds: Dataset, prefix: list[Step], depth: int) -> Iterator[Finding]:
        from pydicom.datadict import get_entry

        for tag in sorted(ds.keys()):
            tag = int(tag)
            raw = ds.get_item(tag)
            elem_tag = tag & 0xFFFF
            group = tag >> 16
            if elem_tag == 0 and group != 0x0002:
                continue  # group lengths (retired) carry nothing to check
            private = group % 2 == 1
            where = _Where(ds, tag, prefix)
            dict_vr = dict_vm = None
            keyword = None
            if not private:
                try:
                    dict_vr, dict_vm, _name, _ret, keyword = get_entry(tag)
                except KeyError:
                    yield info("values.unknown-tag", "the attribute is not in the DICOM dictionary",
                               reference="PS3.6 6", fix="remove it or use a private group", **where)
            where.keyword = keyword or None
            stored_vr = getattr(raw, "VR", None)
            vr = stored_vr or (dict_vr.split(" or ")[0] if dict_vr else None)
            length = getattr(raw, "length", None)
            if isinstance(length, int) and length != 0xFFFFFFFF and length % 2 == 1:
                yield error("encoding.odd-length", f"the value length {length} is odd", reference="PS3.5 7.1.1",
                            fix="pad the value to an even length (space for text, NUL for UI and binary)", **where)
            if dict_vr and stored_vr and not self.implicit:
                allowed = {v.strip() for v in dict_vr.split(" or ")}
                if stored_vr == "UN" and "UN" not in allowed:
                    yield warning("values.vr-un", f"stored with VR UN instead of {dict_vr}", reference=VR_REF,
                                  fix=f"re-encode the element with VR {dict_vr}", **where)
                    continue
                if stored_vr not in allowed and not (stored_vr == "OB" and "OW" in allowed):
                    yield error("values.vr", f"VR is {stored_vr} but the dictionary says {dict_vr}",
                                reference="PS3.6 6", fix=f"re-encode the element with VR {dict_vr}", **where)
                    continue
            if vr == "SQ":
                yield from self._sequence(ds, tag, prefix, where.step, depth, where)
                continue
            if private and 0x0010 <= elem_tag <= 0x00FF and (
                    length == 0 if isinstance(length, int) else getattr(raw, "value", None) in (None, "", b"")):
                # PS3.5 7.8.1: a Private Creator reserves its block by the name it holds.
                yield error("values.private-creator-empty", "the Private Creator is empty, so the private block "
                            f"(gggg,{elem_tag:02X}00-{elem_tag:02X}FF) belongs to no one", reference="PS3.5 7.8.1",
                            fix="give it the creator's name, or remove it and its block", **where)
            if vr is None or private:
                continue
            yield from self._value(raw, vr, dict_vm, where)

    def _sequence(self, ds: Dataset, tag: int, prefix: list[Step], step: Step, depth: int,
                  where: Mapping[str, Any]) -> Iterator[Finding]:
        if depth >= self.max_depth:
            yield error("file.too-deep", f"sequences are nested more than {self.max_depth} levels deep; "
                        "the rest of this branch is not checked", fix="flatten the nesting", **where)
            return
        try:
            items = ds[tag].value
        except Exception as exc:  # noqa: BLE001
            yield error("values.sequence", f"the sequence cannot be read ({exc})", **where)
            return
        for i, item in enumerate(items or []):
            here = Step(tag=step.tag, group=step.group, creator=step.creator,
                        element_byte=step.element_byte, index=i)
            yield from self.walk(item, prefix + [here], depth + 1)

    def _value(self, raw: Any, vr: str, dict_vm: str | None, where: Mapping[str, Any]) -> Iterator[Finding]:
        value = raw.value
        if vr in BINARY_SIZE:
            if not isinstance(value, (bytes, bytearray)):
                count = _count_converted(value)
            else:
                size = BINARY_SIZE[vr]
                if len(value) % size:
                    yield error("values.length", f"{len(value)} bytes is not a multiple of {size} ({vr})",
                                reference=VR_REF, fix=f"store whole {vr} values of {size} bytes", **where)
                    return
                count = len(value) // size
            yield from _vm(count, dict_vm, vr, where)
            return
        if vr not in TEXT_VRS:
            return  # OB/OW/... : only the even length applies
        text = self._text(value, vr)
        if text is None:
            return
        yield from _padding(value, vr, where)
        stripped = text.rstrip("\0 ") if vr != "UI" else text.rstrip("\0")
        if vr in ("UT", "LT", "ST", "UR", "UC"):
            stripped = text.rstrip(" ")
        if not stripped:
            return
        values = [stripped] if vr in SINGLE_VALUE_VRS else stripped.split("\\")
        yield from _vm(len(values), dict_vm, vr, where)
        for i, v in enumerate(values):
            yield from _format(v, vr, where, i, len(values))

    def _text(self, value: Any, vr: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, (bytes, bytearray)):
            if vr in CHARSET_VRS:
                try:
                    from pydicom.charset import decode_bytes

                    return decode_bytes(bytes(value), self.encodings, {0x5C} if vr == "PN" else set())
                except Exception:  # noqa: BLE001 - undecodable text: judge the latin-1 reading
                    return bytes(value).decode("latin-1")
            return bytes(value).decode("latin-1")
        return _converted_text(value)


class _Where(Mapping[str, Any]):
    """Where a finding is (tag, keyword, path), the path formatted only if a finding needs it."""

    _KEYS = ("tag", "keyword", "path")

    def __init__(self, ds: Dataset, tag: int, prefix: list[Step]) -> None:
        self.ds, self.tag, self.prefix = ds, tag, prefix
        self.keyword: str | None = None
        self._step: Step | None = None

    @property
    def step(self) -> Step:
        if self._step is None:
            from dicomhelp.paths import element_step

            self._step = element_step(self.ds, self.tag) if (self.tag >> 16) % 2 else Step(tag=self.tag)
        return self._step

    def __getitem__(self, key: str) -> Any:
        if key == "tag":
            return self.tag
        if key == "keyword":
            return self.keyword
        if key == "path":
            return format_path(self.prefix + [self.step])
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)


def _count_converted(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return len(value)
    return 1


def _converted_text(value: Any) -> str:
    """The text of a value pydicom already converted (elements accessed before this rule)."""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(_one_text(v) for v in value)
    return _one_text(value)


def _one_text(v: Any) -> str:
    original = getattr(v, "original_string", None)
    if isinstance(original, str):
        return original
    return "" if v is None else str(v)


def _vm(count: int, dict_vm: str | None, vr: str, where: Mapping[str, Any]) -> Iterator[Finding]:
    if not dict_vm or count == 0 or _vm_ok(count, dict_vm):
        return
    yield error("values.vm", f"has {count} value(s) but the dictionary allows VM {dict_vm}", reference=VM_REF,
                fix=f"give {_vm_words(dict_vm)} (separate values with a backslash)", **where)


def _vm_ok(count: int, vm: str) -> bool:
    vm = vm.strip()
    if "-" not in vm:
        return vm.isdigit() and count == int(vm)
    lo_text, hi_text = vm.split("-", 1)
    lo = int(lo_text) if lo_text.isdigit() else 1
    if count < lo:
        return False
    if hi_text == "n":
        return True
    if hi_text.endswith("n"):
        step = int(hi_text[:-1] or 1)
        return count % step == 0
    return hi_text.isdigit() and count <= int(hi_text)


def _vm_words(vm: str) -> str:
    if vm.isdigit():
        return f"exactly {vm} value(s)"
    lo, hi = vm.split("-", 1)
    if hi == "n":
        return f"at least {lo} value(s)"
    if hi.endswith("n"):
        return f"a multiple of {hi[:-1]} values"
    return f"{lo} to {hi} values"


def _padding(value: Any, vr: str, where: Mapping[str, Any]) -> Iterator[Finding]:
    if not isinstance(value, (bytes, bytearray)) or not value:
        return
    last = value[-1:]
    if vr == "UI" and last == b" ":
        yield error("values.padding", "the UID is padded with a space; UIDs are padded with one NUL (0x00)",
                    reference="PS3.5 9.1", fix="pad with a single NUL byte", **where)
    elif vr != "UI" and last == b"\0" and vr not in ("UT", "UR"):
        yield warning("values.padding", f"the {vr} value is padded with NUL; text is padded with a space (0x20)",
                      reference="PS3.5 6.2", fix="pad with a single trailing space", **where)


def _bad(vr: str, v: str, why: str, fix: str, where: Mapping[str, Any], i: int, n: int) -> Finding:
    which = f"value {i + 1} " if n > 1 else ""
    return error(f"values.{vr.lower()}", f"{which}<{v}> is not a valid {vr}: {why}", reference=VR_REF, fix=fix, **where)


def _format(v: str, vr: str, where: Mapping[str, Any], i: int, n: int) -> Iterator[Finding]:
    maxlen = MAX_LENGTH.get(vr)
    core = v.strip(" ") if vr in ("DS", "IS", "AE", "CS", "SH", "LO", "DA", "TM", "DT", "AS") else v
    if vr in ("DA", "TM", "DT", "AS", "IS", "DS", "UI", "CS") and not core and v:
        return
    check = _CHECKS.get(vr)
    if check:  # the format first: its message says more than "too long"
        problem = check(core)
        if problem:
            yield _bad(vr, core, problem[0], problem[1], where, i, n)
            return
    if maxlen is not None and vr != "PN" and len(v) > maxlen and not (vr in ("DS", "IS") and len(core) <= maxlen):
        yield _bad(vr, v, f"{len(v)} characters, at most {maxlen} allowed", f"shorten it to {maxlen} characters",
                   where, i, n)
        return
    if check:
        return
    if vr in ("SH", "LO", "UC", "AE") and _CONTROL.search(v):
        yield _bad(vr, v, "contains control characters", "remove control characters", where, i, n)
    elif vr in ("ST", "LT", "UT") and _CONTROL_TEXT.search(v):
        yield _bad(vr, v, "contains control characters other than CR, LF, FF, TAB",
                   "remove the control characters", where, i, n)


def _da(v: str) -> tuple[str, str] | None:
    if not _DA.match(v):
        return "a date is 8 digits YYYYMMDD", "write the date as YYYYMMDD, e.g. 20240131"
    try:
        _dt.date(int(v[:4]), int(v[4:6]), int(v[6:8]))
    except ValueError:
        return "not a calendar date", "use a real date as YYYYMMDD"
    return None


def _tm(v: str) -> tuple[str, str] | None:
    m = _TM.match(v)
    fix = "write the time as HHMMSS.FFFFFF (at least HH), e.g. 143015"
    if not m:
        return "a time is HH[MM[SS[.FFFFFF]]]", fix
    hh, mm, ss = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if hh > 23 or mm > 59 or ss > 60:
        return "hours, minutes or seconds out of range", fix
    if m.group(4) and not m.group(3):
        return "fraction without seconds", fix
    return None


def _dtv(v: str) -> tuple[str, str] | None:
    m = _DT.match(v)
    fix = "write it as YYYYMMDDHHMMSS.FFFFFF&ZZXX (at least YYYY), e.g. 20240131143015"
    if not m:
        return "a date-time is YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]", fix
    month, day, hour, minute = (int(g) if g else None for g in m.group(2, 3, 4, 5))
    if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        return "month or day out of range", fix
    if hour is not None and hour > 23 or minute is not None and minute > 59:
        return "hour or minute out of range", fix
    return None


def _as(v: str) -> tuple[str, str] | None:
    if not _AS.match(v):
        return "an age is 3 digits and D, W, M or Y", "write it like 045Y or 006M"
    return None


def _is(v: str) -> tuple[str, str] | None:
    if not _IS.match(v):
        return "an integer string has only digits and an optional sign", "write a whole number, e.g. 12"
    if not -(2**31) <= int(v) <= 2**31 - 1:
        return "out of the range of a signed 32-bit integer", "use a value between -2147483648 and 2147483647"
    return None


def _ds(v: str) -> tuple[str, str] | None:
    if not _DS.match(v):
        return "a decimal string is a number like 1.5, -3 or 2.5e-3", "write a decimal number (at most 16 characters)"
    return None


def _ui(v: str) -> tuple[str, str] | None:
    fix = "generate a new UID (dicomhelp.uids) or correct the value"
    if not _UI.match(v):
        return "a UID has only digits and dots", fix
    parts = v.split(".")
    if any(p == "" for p in parts):
        return "empty component (two dots or a dot at an end)", fix
    if any(len(p) > 1 and p[0] == "0" for p in parts):
        return "a component has a leading zero", fix
    if len(parts) < 2 or int(parts[0]) > 2:
        return "the root is not an ISO/ITU-T arc (the first component must be 0, 1 or 2)", fix
    # Arc 1 (ISO) has only the children 0-3 and arc 0 (ITU-T) 0-9: others do not exist.
    if (parts[0] == "1" and int(parts[1]) > 3) or (parts[0] == "0" and int(parts[1]) > 9):
        return f"the root uses the non-existent arc {parts[0]}.{parts[1]}", fix
    return None


def _cs(v: str) -> tuple[str, str] | None:
    if not _CS.match(v):
        return ("code strings have only upper-case letters, digits, space and underscore",
                f"write it as {re.sub(r'[^A-Z0-9 _]', '_', v.upper())!s}")
    return None


def _pn(v: str) -> tuple[str, str] | None:
    groups = v.split("=")
    if len(groups) > 3:
        return "more than 3 component groups (alphabetic=ideographic=phonetic)", "use at most two '=' separators"
    for g in groups:
        if len(g) > 64:
            return "a component group is longer than 64 characters", "shorten the name"
        if len(g.split("^")) > 5:
            return "more than 5 components (family^given^middle^prefix^suffix)", "use at most four '^' separators"
    if _CONTROL.search(v):
        return "contains control characters", "remove control characters"
    return None


_CHECKS = {"DA": _da, "TM": _tm, "DT": _dtv, "AS": _as, "IS": _is, "DS": _ds, "UI": _ui, "CS": _cs, "PN": _pn}
