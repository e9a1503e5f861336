"""The SR view: one readable line per content item.

    1  CONTAINER  Imaging Measurement Report  [TID 1500]
    1.2  HAS CONCEPT MOD  CODE  Language of Content Item and Descendants = English (eng, RFC5646)

Robust to what real SRs contain: items without a concept name, unknown value
types, by-reference items pointing nowhere, values that cannot be decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.inspect.srtree import ContentItemRef, iter_content_items

if TYPE_CHECKING:
    from pydicom import Dataset

TEXT_LIMIT = 160
BY_REFERENCE = "(by reference)"


@dataclass
class SRLine:
    """A content item as the SR view shows it (also the ``sr --json`` record)."""

    position: str
    depth: int
    path: str
    relationship: str
    value_type: str
    concept: str  # code meaning of the concept name, "" when there is none
    concept_code: str  # "(value, scheme)" of the concept name
    value: str
    template: str = ""  # "TID 1500" for a container with a template
    problem: str = ""

    def text(self) -> str:
        parts = [self.position]
        if self.relationship:
            parts.append(self.relationship)
        if self.value_type == BY_REFERENCE:
            parts.append(f"{self.value} (by reference)")
            return "  " * max(self.depth - 1, 0) + "  ".join(parts) + (f"  !! {self.problem}" if self.problem else "")
        parts.append(self.value_type or "(no value type)")
        label = self.concept or "(no concept name)"
        if self.value:
            label = f"{label} = {self.value}"
        parts.append(label)
        line = "  ".join(parts)
        if self.template:
            line += f"  [{self.template}]"
        if self.problem:
            line += f"  !! {self.problem}"
        return "  " * max(self.depth - 1, 0) + line


def sr_lines(ds: Dataset) -> Iterator[SRLine]:
    """The SR view of ``ds``, item by item."""
    refs = list(iter_content_items(ds))
    positions = {r.position for r in refs}
    for ref in refs:
        yield _line(ref, positions)


def sr_header(ds: Dataset) -> str:
    """One line naming the kind of SR and its flags."""
    from pydicom.uid import UID

    def get(keyword: str) -> str:
        try:
            return str(ds.get(keyword) or "")
        except Exception:
            return ""

    sop = get("SOPClassUID")
    kind = UID(sop).name if sop else "Structured Report"
    flags = ", ".join(f for f in (get("CompletionFlag"), get("VerificationFlag")) if f)
    return f"{kind}" + (f" ({flags})" if flags else "")


def render_sr(ds: Dataset) -> Iterator[str]:
    yield sr_header(ds)
    for line in sr_lines(ds):
        yield line.text()


def sr_records(ds: Dataset) -> list[dict[str, Any]]:
    return [asdict(line) for line in sr_lines(ds)]


def _line(ref: ContentItemRef, positions: set[str]) -> SRLine:
    item = ref.item
    problems = [ref.problem] if ref.problem else []
    relationship = _get(item, "RelationshipType", problems) if ref.depth else ""
    value_type = _get(item, "ValueType", problems)
    concept, concept_code = "", ""
    name = _first(item, "ConceptNameCodeSequence", problems)
    if name is not None:
        concept = _get(name, "CodeMeaning", problems)
        concept_code = _code_pair(name, problems)
    value, template = "", ""
    try:
        if not value_type and "ReferencedContentItemIdentifier" in item:
            value_type = BY_REFERENCE
            value = _by_reference(item, positions)
        else:
            value, template = _value(item, value_type, problems)
    except Exception as exc:  # one bad value must not hide the rest of the tree
        problems.append(f"value cannot be read: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}")
    return SRLine(ref.position, ref.depth, ref.path, relationship, value_type, concept, concept_code,
                  value, template, "; ".join(problems))


def _get(ds: Dataset, keyword: str, problems: list[str]) -> str:
    return element_text(ds, keyword, problems)


def element_text(ds: Dataset | None, keyword: str, problems: list[str] | None = None) -> str:
    """The value of ``keyword`` in ``ds`` as one line ("" when absent or undecodable, noted in ``problems``)."""
    if ds is None:
        return ""
    try:
        value = ds.get(keyword)
    except Exception:
        if problems is not None:
            problems.append(f"{keyword} cannot be decoded")
        return ""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _first(ds: Dataset, keyword: str, problems: list[str]) -> Dataset | None:
    try:
        seq = ds.get(keyword)
    except Exception:
        problems.append(f"{keyword} cannot be decoded")
        return None
    if not seq:
        return None
    try:
        return seq[0]
    except (TypeError, IndexError):
        return None


def _code_pair(code: Dataset, problems: list[str]) -> str:
    value = (_get(code, "CodeValue", problems) or _get(code, "LongCodeValue", problems)
             or _get(code, "URNCodeValue", problems))
    scheme = _get(code, "CodingSchemeDesignator", problems)
    return f"({value}, {scheme})" if value or scheme else ""


def _code_text(code: Dataset | None, problems: list[str]) -> str:
    if code is None:
        return ""
    meaning = _get(code, "CodeMeaning", problems)
    pair = _code_pair(code, problems)
    return f"{meaning} {pair}".strip()


def _value(item: Dataset, value_type: str, problems: list[str]) -> tuple[str, str]:
    vt = value_type.upper()
    if vt == "CONTAINER":
        template = ""
        tpl = _first(item, "ContentTemplateSequence", problems)
        if tpl is not None:
            tid = _get(tpl, "TemplateIdentifier", problems)
            resource = _get(tpl, "MappingResource", problems)
            if tid:
                template = f"TID {tid}" if resource in ("DCMR", "") else f"{resource} {tid}"
        return "", template
    if vt == "TEXT":
        text = " ".join(_get(item, "TextValue", problems).split())
        return (text[:TEXT_LIMIT] + "..." if len(text) > TEXT_LIMIT else text), ""
    if vt == "CODE":
        return _code_text(_first(item, "ConceptCodeSequence", problems), problems), ""
    if vt == "NUM":
        return _num(item, problems), ""
    if vt in ("DATE", "TIME", "DATETIME"):
        keyword = {"DATE": "Date", "TIME": "Time", "DATETIME": "DateTime"}[vt]
        return _get(item, keyword, problems), ""
    if vt == "UIDREF":
        return _get(item, "UID", problems), ""
    if vt == "PNAME":
        return _get(item, "PersonName", problems), ""
    if vt in ("IMAGE", "COMPOSITE", "WAVEFORM"):
        return _reference(item, problems), ""
    if vt == "SCOORD":
        return _coords(item, 2, problems), ""
    if vt == "SCOORD3D":
        text = _coords(item, 3, problems)
        frame = _get(item, "ReferencedFrameOfReferenceUID", problems)
        return (f"{text} in frame of reference {frame}" if frame else text), ""
    if vt == "TCOORD":
        kind = _get(item, "TemporalRangeType", problems)
        for keyword in ("ReferencedSamplePositions", "ReferencedTimeOffsets", "ReferencedDateTime"):
            if keyword in item:
                n = len(_get(item, keyword, problems).split("\\"))
                return f"{kind}, {n} {keyword[10:].lower()}", ""
        return kind, ""
    if vt == "TABLE":
        return "(table)", ""
    if not vt:
        problems.append("no ValueType")
        return "", ""
    problems.append(f"unknown value type '{value_type}'")
    return "", ""


def _num(item: Dataset, problems: list[str]) -> str:
    measured = _first(item, "MeasuredValueSequence", problems)
    if measured is None:
        qualifier = _first(item, "NumericValueQualifierCodeSequence", problems)
        return f"(no value: {_get(qualifier, 'CodeMeaning', problems)})" if qualifier is not None else "(no value)"
    number = _get(measured, "NumericValue", problems)
    unit_code = _first(measured, "MeasurementUnitsCodeSequence", problems)
    unit = ""
    if unit_code is not None:
        scheme = _get(unit_code, "CodingSchemeDesignator", problems)
        value = _get(unit_code, "CodeValue", problems)
        meaning = _get(unit_code, "CodeMeaning", problems)
        unit = value if scheme == "UCUM" and value not in ("1", "") else meaning
        if scheme == "UCUM" and value == "1":
            unit = ""
    return f"{number} {unit}".strip()


def _reference(item: Dataset, problems: list[str]) -> str:
    from pydicom.uid import UID

    ref = _first(item, "ReferencedSOPSequence", problems)
    if ref is None:
        problems.append("no ReferencedSOPSequence")
        return ""
    sop_class = _get(ref, "ReferencedSOPClassUID", problems)
    instance = _get(ref, "ReferencedSOPInstanceUID", problems)
    kind = UID(sop_class).name if sop_class else "(no SOP class)"
    if kind == sop_class:
        kind = f"SOP class {sop_class}"
    text = f"{kind} {instance}".strip()
    frames = _get(ref, "ReferencedFrameNumber", problems)
    if frames:
        text += f" frames {frames.replace(chr(92), ',')}"
    segments = _get(ref, "ReferencedSegmentNumber", problems)
    if segments:
        text += f" segments {segments.replace(chr(92), ',')}"
    return text


def _coords(item: Dataset, dims: int, problems: list[str]) -> str:
    graphic_type = _get(item, "GraphicType", problems) or "(no graphic type)"
    try:
        data = item.get("GraphicData")
    except Exception:
        problems.append("GraphicData cannot be decoded")
        return graphic_type
    values = list(data) if data is not None else []
    points = len(values) // dims
    if points == 1:
        coords = ", ".join(f"{float(v):g}" for v in values[:dims])
        return f"{graphic_type} ({coords})"
    if len(values) % dims:
        problems.append(f"GraphicData has {len(values)} values, not a multiple of {dims}")
    return f"{graphic_type}, {points} points"


def _by_reference(item: Dataset, positions: set[str]) -> str:
    ident = item.get("ReferencedContentItemIdentifier")
    numbers = list(ident) if isinstance(ident, (list, tuple)) or type(ident).__name__ == "MultiValue" else [ident]
    target = ".".join(str(int(n)) for n in numbers if n is not None)
    if target in positions:
        return f"-> {target}"
    return f"-> {target} (broken reference: no such item)"
