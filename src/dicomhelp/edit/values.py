"""Values for an element, parsed for its VR and checked against VR and VM.

Everything here raises :class:`~dicomhelp.errors.UsageError` naming the element
path, so an invalid value stops an edit before anything is written. pydicom's
own validators do the format checks; this module adds what they do not (real
calendar dates, person-name component counts, the VM from the dictionary).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import UsageError

if TYPE_CHECKING:
    from pydicom import Dataset

TEXT_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
SINGLE_VALUE_TEXT = {"LT", "ST", "UT", "UR"}  # a backslash is part of the value, VM is always 1
INT_VRS = {"US": (0, 2**16 - 1), "SS": (-(2**15), 2**15 - 1), "UL": (0, 2**32 - 1),
           "SL": (-(2**31), 2**31 - 1), "UV": (0, 2**64 - 1), "SV": (-(2**63), 2**63 - 1)}
FLOAT_VRS = {"FL", "FD"}
BINARY_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$")
_CODE = re.compile(r'^\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*"?(.*?)"?\s*\)$')


def vr_for(ds: Dataset, tag: int, explicit: str | None = None) -> str:
    """The VR to write for ``tag`` in ``ds``: given, existing, or from the dictionaries."""
    from pydicom.datadict import dictionary_VR, get_private_entry

    if explicit:
        return explicit.upper()
    if tag in ds:
        return str(ds[tag].VR)
    if (tag >> 16) % 2 == 1:
        creator_tag = (tag & 0xFFFF0000) | ((tag & 0xFF00) >> 8)
        creator = ds.get(creator_tag)
        if creator is not None and (tag & 0xFFFF) >= 0x1000:
            try:
                return str(get_private_entry(tag, str(creator.value))[0]).split(" or ")[0]
            except KeyError:
                pass
        raise UsageError(f"the VR of private element ({tag >> 16:04X},{tag & 0xFFFF:04X}) is unknown",
                         hint="give it in the edit, e.g. vr: LO")
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        raise UsageError(f"({tag >> 16:04X},{tag & 0xFFFF:04X}) is not in the DICOM dictionary",
                         hint="give its VR in the edit") from None
    # "US or SS", "OB or OW": the first is right for new elements outside pixel modules.
    return vr.split(" or ")[0]


def vm_for(ds: Dataset, tag: int) -> str | None:
    from pydicom.datadict import dictionary_VM, get_private_entry

    if (tag >> 16) % 2 == 1:
        creator_tag = (tag & 0xFFFF0000) | ((tag & 0xFF00) >> 8)
        creator = ds.get(creator_tag)
        if creator is None:
            return None
        try:
            return str(get_private_entry(tag, str(creator.value))[1])
        except KeyError:
            return None
    try:
        return str(dictionary_VM(tag))
    except KeyError:
        return None


def parse_value(raw: Any, vr: str, *, path: str) -> Any:
    """Turn a command-line string (or a YAML scalar/list) into a value for ``vr``.

    Multiple values are separated by ``\\`` (or given as a YAML list); dates
    accept ``2024-03-01`` besides ``20240301``; a code sequence accepts
    ``(CODE,SCHEME,"Meaning")``. Raises :class:`UsageError` when the value does
    not fit the VR.
    """
    if vr == "SQ":
        return _sequence_value(raw, path)
    if vr in BINARY_VRS:
        if isinstance(raw, bytes):
            return raw
        raise UsageError(f"{path}: VR {vr} holds binary data and cannot be set from text",
                         hint="delete it or set it from Python with bytes")
    if raw is None or raw == "":
        return None  # an empty value (zero length)
    if isinstance(raw, dict) or isinstance(raw, (list, tuple)) and any(isinstance(v, (dict, list)) for v in raw):
        # YAML made a mapping of an unquoted "a: b": only sequences take mappings.
        raise UsageError(f"{path}: a {vr} value is text, a number or a list of them, not a mapping",
                         hint="quote the value in the YAML file")
    values = _split(raw, vr)
    parsed = [_one(v, vr, path) for v in values]
    return parsed[0] if len(parsed) == 1 else parsed


def _split(raw: Any, vr: str) -> list[Any]:
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str) and vr not in SINGLE_VALUE_TEXT:
        return raw.split("\\")
    return [raw]


def _one(value: Any, vr: str, path: str) -> Any:
    from pydicom.config import RAISE
    from pydicom.valuerep import validate_value

    if vr in INT_VRS:
        low, high = INT_VRS[vr]
        try:
            number = int(str(value).strip(), 0) if isinstance(value, str) else int(value)
        except ValueError:
            raise UsageError(f"{path}: '{value}' is not an integer (VR {vr})") from None
        if not low <= number <= high:
            raise UsageError(f"{path}: {number} is outside {low}..{high} (VR {vr})")
        return number
    if vr in FLOAT_VRS:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise UsageError(f"{path}: '{value}' is not a number (VR {vr})") from None
    if vr == "AT":
        from dicomhelp.paths import parse_tag

        tag = parse_tag(str(value))
        if tag is None:
            from pydicom.datadict import tag_for_keyword

            tag = tag_for_keyword(str(value))
        if tag is None:
            raise UsageError(f"{path}: '{value}' is not a tag (VR AT)", hint="e.g. (0010,0010)")
        return tag
    text = str(value) if not isinstance(value, (date, datetime)) else _from_python_date(value, vr)
    text = _normalise_text(text.strip() if vr not in {"LT", "ST", "UT"} else text, vr, path)
    try:
        validate_value(vr, text, RAISE)
    except (ValueError, TypeError) as exc:
        reason = _first_sentence(exc)
        if reason.startswith("Invalid value for VR"):  # pydicom names no reason: say what the VR allows
            raise UsageError(f"{path}: {_vr_rule(vr, text)}") from None
        raise UsageError(f"{path}: {reason}") from None
    return text


def _vr_rule(vr: str, text: str) -> str:
    from dicomhelp.standard.vrs import VRS

    info = VRS.get(vr)
    if info is None:
        return f"'{text}' is not a valid {vr} value"
    longest = f"; at most {info.max_length} characters" if info.max_length else ""
    extra = "; no part starts with 0 unless it is 0" if vr == "UI" else ""
    return f"'{text}' is not a valid {vr} ({info.meaning}: {info.charset}{extra}{longest}), e.g. {info.example}"


def _from_python_date(value: date | datetime, vr: str) -> str:
    if vr == "DA":
        return value.strftime("%Y%m%d")
    if vr == "DT" and isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S")
    return str(value)


def _normalise_text(text: str, vr: str, path: str) -> str:
    if vr == "DA":
        m = _ISO_DATE.match(text)
        if m:
            text = "".join(m.groups())
        if re.fullmatch(r"\d{8}", text):
            try:
                datetime.strptime(text, "%Y%m%d")
            except ValueError:
                raise UsageError(f"{path}: {text} is not a calendar date (VR DA, YYYYMMDD)") from None
        else:
            raise UsageError(f"{path}: '{text}' is not a date (VR DA: YYYYMMDD or YYYY-MM-DD)")
    elif vr == "TM":
        m = _ISO_TIME.match(text)
        if m:
            text = m.group(1) + m.group(2) + (m.group(3) or "") + (m.group(4) or "")
        if not re.fullmatch(r"([01]\d|2[0-3])([0-5]\d([0-5]\d(\.\d{1,6})?)?)?", text):
            raise UsageError(f"{path}: '{text}' is not a time (VR TM: HHMMSS[.ffffff] or HH:MM:SS)")
    elif vr == "PN":
        groups = text.split("=")
        if len(groups) > 3:
            raise UsageError(f"{path}: a person name has at most 3 component groups separated by '='")
        for group in groups:
            if len(group.split("^")) > 5:
                raise UsageError(f"{path}: '{group}' has more than 5 components "
                                 "(family^given^middle^prefix^suffix)")
            if len(group) > 64:
                raise UsageError(f"{path}: the component group '{group[:20]}...' is longer than 64 characters")
    return text


def _first_sentence(exc: BaseException) -> str:
    return str(exc).split(" Please see")[0].strip()


def check_vm(count: int, vm: str | None, path: str) -> None:
    """Raise when ``count`` values do not fit the dictionary VM (``1``, ``1-n``, ``2-2n``, ``3``...)."""
    if vm is None or count == 0:
        return
    m = re.fullmatch(r"(\d+)(?:-(\d+)?(n)?)?", vm.replace(" ", ""))
    if not m:
        return
    low = int(m.group(1))
    if m.group(3):  # "1-n", "2-2n": at least low, a multiple of the step
        step = int(m.group(2)) if m.group(2) else 1
        ok = count >= low and count % step == 0
    elif m.group(2):
        ok = low <= count <= int(m.group(2))
    else:
        ok = count == low
    if not ok:
        raise UsageError(f"{path}: {count} value(s) given, the element takes VM {vm}",
                         hint="separate multiple values with \\")


def value_count(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, (list, tuple)):
        return len(value)
    return 1


def _sequence_value(raw: Any, path: str) -> list[Dataset]:
    """``(CODE,SCHEME,"Meaning")`` or a YAML list of {keyword: value} items."""
    from pydicom import Dataset

    if raw is None or raw == "" or raw == []:
        return []
    if isinstance(raw, str):
        m = _CODE.match(raw.strip())
        if not m:
            raise UsageError(f"{path}: a sequence takes a code like (T-D3000,SRT,\"Chest\") or items from --edits",
                             hint="or edit an element inside it: Seq[0].Keyword=VALUE")
        return [code_item(m.group(1), m.group(2), m.group(3), path=path)]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        raise UsageError(f"{path}: sequence items must be mappings of keyword: value")
    items = []
    for n, spec in enumerate(raw):
        item = Dataset()
        for key, val in spec.items():
            from dicomhelp.paths import parse

            steps = parse(str(key))
            if len(steps) != 1 or steps[0].tag is None:
                raise UsageError(f"{path}[{n}]: '{key}' must name one public element")
            tag = steps[0].tag
            vr = vr_for(item, tag)
            value = parse_value(val, vr, path=f"{path}[{n}].{key}")
            check_vm(value_count(value), vm_for(item, tag), f"{path}[{n}].{key}")
            item.add_new(tag, vr, value)
        items.append(item)
    return items


def code_item(value: str, scheme: str, meaning: str, *, path: str = "code") -> Dataset:
    """One code sequence item; long values go to Long Code Value, URNs to URN Code Value."""
    from pydicom import Dataset

    item = Dataset()
    value = value.strip()
    if ":" in value and value.lower().startswith(("urn:", "http:", "https:")):
        item.URNCodeValue = value
    elif len(value) > 16:
        item.LongCodeValue = _one(value, "UC", path)
    else:
        item.CodeValue = _one(value, "SH", path)
    item.CodingSchemeDesignator = _one(scheme.strip(), "SH", path)
    item.CodeMeaning = _one(meaning, "LO", path)
    return item
