"""The SR spec: what a TID 1500 Measurement Report says, as typed dataclasses.

The same classes are the Python API (``SRSpec(...)``), the loader of YAML/JSON
specs (:func:`load_sr_spec`) and the JSON Schema (``dicomhelp schema sr``).

A minimal spec::

    observer:
      device: {name: LungAI, manufacturer: ACME, model: LA-1}
    groups:
      - tracking_id: nodule 1
        region: {type: CIRCLE, image: 1, points: [[60, 60], [66, 60]]}
        measurements:
          - {concept: "SCT: Diameter", value: 6, unit: mm}

Images are referenced by SOP Instance UID, by file name inside ``--source``,
or by Instance Number (``3``, or ``"2/3"`` for series 2, instance 3 when the
source has several series), so a spec works for a user's real study.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from dicomhelp.create.spec import did_you_mean, fail, from_data, join, load_data, to_data

# ------------------------------------------------------------------ codes

# RFC 5646 language tags the docs use; any other tag needs a full code.
LANGUAGES = {
    "en-US": "English (United States)", "en": "English", "en-GB": "English (United Kingdom)",
    "de": "German", "de-DE": "German (Germany)", "fr": "French", "fr-FR": "French (France)",
    "es": "Spanish", "it": "Italian", "nl": "Dutch", "ja": "Japanese", "zh": "Chinese",
    "eng": "English", "deu": "German", "fra": "French",
}

# Schemes whose every code pydicom's dictionary knows (PS3.16 DCM): an unknown value is a typo.
FULLY_ENUMERATED = ("DCM",)
_SHORT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*:\s*(.+?)\s*$")


@dataclass(frozen=True)
class Code:
    """A coded concept: ``"SCT: Liver"`` (pydicom's code dictionary keyword or code value), a triplet
    ``[value, scheme, meaning]`` or ``{value, scheme, meaning}``."""

    value: str
    scheme: str
    meaning: str
    scheme_version: str | None = None

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> Code:
        if isinstance(value, str):
            return cls.from_short(value, path)
        if isinstance(value, list):
            # YAML reads an unquoted code value like 126000 as a number: it is the code's text.
            value = [str(v) if isinstance(v, int) and not isinstance(v, bool) and i == 0 else v
                     for i, v in enumerate(value)]
            if len(value) not in (3, 4) or not all(isinstance(v, str) and v for v in value):
                fail(path, "a code triplet is [value, scheme, meaning] (text)")
            return cls(*value).checked(path)
        if isinstance(value, dict):
            known = {"value", "scheme", "meaning", "scheme_version"}
            for key in value:
                if key not in known:
                    fail(join(path, str(key)), f"unknown key '{key}'", did_you_mean(str(key), known))
            if isinstance(value.get("value"), int) and not isinstance(value.get("value"), bool):
                value = {**value, "value": str(value["value"])}
            for key in ("value", "scheme", "meaning"):
                if not isinstance(value.get(key), str) or not value.get(key):
                    fail(join(path, key), f"'{key}' is required (text)")
            return cls(value["value"], value["scheme"], value["meaning"], value.get("scheme_version")).checked(path)
        fail(path, f"expected a code ('SCT: Liver', [value, scheme, meaning] or a mapping), got {type(value).__name__}")

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {
            "description": "A code: 'SCHEME: Keyword' from pydicom's code dictionary (e.g. 'SCT: Liver', "
            "'DCM: 126000'), a triplet [value, scheme, meaning] or a mapping.",
            "anyOf": [
                {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]+\s*:\s*\S.*$"},
                {"type": "array", "items": {"type": ["string", "integer"]}, "minItems": 3, "maxItems": 4},
                {"type": "object", "required": ["value", "scheme", "meaning"], "additionalProperties": False,
                 "properties": {"value": {"type": ["string", "integer"]},
                                **{k: {"type": "string"} for k in ("scheme", "meaning", "scheme_version")}}},
            ],
        }

    def _spec_dump(self) -> Any:
        short = self.short_form()
        if short is not None:
            return short
        out = {"value": self.value, "scheme": self.scheme, "meaning": self.meaning}
        if self.scheme_version:
            out["scheme_version"] = self.scheme_version
        return out

    @classmethod
    def from_short(cls, text: str, path: str = "") -> Code:
        """``"SCT: Liver"`` or ``"SCT: 10200004"`` through pydicom's code dictionary."""
        match = _SHORT.match(text)
        if not match:
            fail(path, f"'{text}' is not a code", "write 'SCHEME: Keyword' like 'SCT: Liver' or [value, scheme, meaning]")
        scheme, name = match.group(1).upper(), match.group(2)
        if scheme == "SRT":
            scheme = "SCT"
        entries = _dictionary(scheme)
        if entries is None:
            fail(path, f"pydicom's code dictionary has no scheme '{scheme}'",
                 did_you_mean(scheme, _schemes()) or "give the code as [value, scheme, meaning]")
        if name in entries:
            value, meaning = entries[name]
            return cls(value, scheme, meaning)
        for value, meaning in entries.values():
            if name == value:
                return cls(value, scheme, meaning)
        folded = name.replace(" ", "").lower()
        for keyword, (value, meaning) in entries.items():
            if keyword.lower() == folded or meaning.lower() == name.lower():
                return cls(value, scheme, meaning)
        fail(path, f"no code '{name}' in scheme {scheme} of pydicom's code dictionary",
             did_you_mean(name, entries) or "give the code as [value, scheme, meaning]")

    def checked(self, path: str) -> Code:
        """A triplet in a fully enumerated scheme must exist there."""
        if self.scheme in FULLY_ENUMERATED:
            entries = _dictionary(self.scheme) or {}
            if not any(v == self.value for v, _m in entries.values()):
                fail(path, f"({self.value}, {self.scheme}) is not a code of {self.scheme}",
                     "see PS3.16 Annex D for DCM codes")
        return self

    def short_form(self) -> str | None:
        """``"SCT: Liver"`` when pydicom's dictionary has exactly this code, else None."""
        entries = _dictionary(self.scheme)
        if not entries or self.scheme_version:
            return None
        for keyword, (value, meaning) in entries.items():
            if value == self.value and meaning == self.meaning:
                return f"{self.scheme}: {keyword}"
        return None

    @property
    def is_private(self) -> bool:
        return self.scheme.startswith("99")

    def __str__(self) -> str:
        return f"({self.value}, {self.scheme}, \"{self.meaning}\")"


def _schemes() -> list[str]:
    from pydicom.sr.codedict import codes

    return list(codes.schemes())


_DICT_CACHE: dict[str, dict[str, tuple[str, str]] | None] = {}


def _dictionary(scheme: str) -> dict[str, tuple[str, str]] | None:
    """keyword → (value, meaning) of one scheme of pydicom's code dictionary."""
    if scheme in _DICT_CACHE:
        return _DICT_CACHE[scheme]
    from pydicom.sr._concepts_dict import concepts

    data = concepts.get(scheme)
    result = None
    if data is not None:
        result = {}
        for keyword, by_value in data.items():
            for value, (meaning, _cids) in by_value.items():
                result.setdefault(keyword, (value, meaning))
    _DICT_CACHE[scheme] = result
    return result


def code(text: str) -> Code:
    """``code("SCT: Liver")`` for the Python API."""
    return Code.from_short(text)


@dataclass(frozen=True)
class Language:
    """Language of Content Item and Descendants (TID 1204): an RFC 5646 tag like ``en-US`` or a code,
    optionally with the country (the form some vendors write: ``eng`` + country ``US``)."""

    code: Code
    country: Code | None = None

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> Language:
        if isinstance(value, str) and ":" not in value:
            if value not in LANGUAGES:
                fail(path, f"unknown language tag '{value}'",
                     did_you_mean(value, LANGUAGES) or "give it as {value, scheme: RFC5646, meaning}")
            return cls(Code(value, "RFC5646", LANGUAGES[value]))
        if isinstance(value, dict) and "country" in value:
            rest = {k: v for k, v in value.items() if k != "country"}
            return cls(Code._spec_parse(rest, path), Code._spec_parse(value["country"], join(path, "country")))
        return cls(Code._spec_parse(value, path))

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {
            "description": "RFC 5646 tag (en-US) or a code; a mapping may add 'country' (a code).",
            "anyOf": [{"type": "string"}, {"$ref": "#/$defs/Code"},
                      {"type": "object", "properties": {"value": {"type": "string"}, "scheme": {"type": "string"},
                                                        "meaning": {"type": "string"}, "country": {"$ref": "#/$defs/Code"}},
                       "required": ["value", "scheme", "meaning", "country"], "additionalProperties": False}],
        }

    _spec_schema_uses = (Code,)

    def _spec_dump(self) -> Any:
        if self.country is None:
            if self.code.scheme == "RFC5646" and LANGUAGES.get(self.code.value) == self.code.meaning:
                return self.code.value
            return self.code._spec_dump()
        out = {"value": self.code.value, "scheme": self.code.scheme, "meaning": self.code.meaning}
        out["country"] = self.country._spec_dump()
        return out


# ------------------------------------------------------------------ document and observers


@dataclass
class VerifyingObserver:
    """Who verified the report (required when verification is VERIFIED)."""

    name: str = field(metadata={"doc": "Person name, DICOM form Family^Given"})
    organization: str = field(metadata={"doc": "Verifying organization"})


@dataclass
class DocumentRef:
    """A predecessor document (an earlier version this report amends or replaces)."""

    study_uid: str
    series_uid: str
    sop_instance_uid: str
    sop_class_uid: str = "1.2.840.10008.5.1.4.1.1.88.33"


@dataclass
class Document:
    """The document: title, modifiers, language, procedure, flags, predecessors, IOD."""

    title: Code = field(default_factory=lambda: Code("126000", "DCM", "Imaging Measurement Report"),
                        metadata={"doc": "Document title from CID 7021 (default DCM 126000 Imaging Measurement Report)"})
    title_modifiers: list[Code] = field(default_factory=list, metadata={
        "doc": "Document Title Modifier items (113011, DCM): an extension of the extensible TID 1500"})
    language: Language = field(default_factory=lambda: Language(Code("en-US", "RFC5646", "English (United States)")),
                               metadata={"doc": "TID 1204 language (default en-US)"})
    procedure_reported: list[Code] = field(
        default_factory=lambda: [Code("363679005", "SCT", "Imaging procedure")],
        metadata={"doc": "Procedure Reported (TID 1500 row 3), e.g. 'LN: CTUnspecifiedBodyRegion'"})
    completion: Literal["COMPLETE", "PARTIAL"] = "COMPLETE"
    verification: Literal["UNVERIFIED", "VERIFIED"] = "UNVERIFIED"
    preliminary: Literal["FINAL", "PRELIMINARY"] = "FINAL"
    verifying_observer: VerifyingObserver | None = None
    predecessors: list[DocumentRef] = field(default_factory=list, metadata={
        "doc": "Predecessor Documents: the reports this one amends"})
    iod: Literal["auto", "enhanced", "comprehensive", "comprehensive-3d"] = field(
        default="auto", metadata={"doc": "SR IOD; auto = Enhanced SR when it suffices, else Comprehensive (3D)"})
    series_number: int = 9501
    series_description: str = "Measurement Report"
    instance_number: int = 1
    coding_schemes: dict[str, str] = field(default_factory=dict, metadata={
        "doc": "Private coding schemes (99...) → their name, for the Coding Scheme Identification Sequence"})

    def _spec_check(self, path: str) -> None:
        if self.verification == "VERIFIED" and self.verifying_observer is None:
            fail(join(path, "verifying_observer"), "a VERIFIED report needs a verifying observer (name, organization)")
        if self.verification == "UNVERIFIED" and self.verifying_observer is not None:
            fail(join(path, "verifying_observer"), "only a VERIFIED report has a verifying observer",
                 "set verification: VERIFIED")
        if not self.procedure_reported:
            fail(join(path, "procedure_reported"), "TID 1500 needs at least one Procedure Reported")


@dataclass
class Person:
    """A person observer (TID 1003)."""

    name: str = field(metadata={"doc": "Family^Given"})
    login_name: str | None = None
    organization: str | None = None
    role_in_organization: Code | None = None
    role_in_procedure: Code | None = None


@dataclass
class Device:
    """A device observer (TID 1004); an AI product is one, with its Device Observer UID."""

    uid: str | None = field(default=None, metadata={"doc": "Device Observer UID; generated from the name if absent"})
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    physical_location: str | None = None
    role_in_procedure: Code | None = None


@dataclass
class Observer:
    """Observer context (TID 1001-1004): a person, a device or both."""

    person: Person | None = None
    device: Device | None = None

    def _spec_check(self, path: str) -> None:
        if self.person is None and self.device is None:
            fail(path, "give a person and/or a device observer")


# ------------------------------------------------------------------ groups

ImageRef = int | str


@dataclass
class Algorithm:
    """Algorithm Identification (TID 4019) for AI-derived content."""

    name: str
    version: str
    parameters: list[str] = field(default_factory=list)


@dataclass
class FindingSite:
    """Finding site with optional laterality and topographical modifier."""

    site: Code
    laterality: Code | None = None
    modifier: Code | None = None

    @classmethod
    def _spec_parse(cls, value: Any, path: str) -> FindingSite:
        if isinstance(value, dict) and "site" in value:
            return _plain(cls, value, path)
        return cls(Code._spec_parse(value, path))

    @classmethod
    def _spec_schema(cls) -> dict[str, Any]:
        return {"anyOf": [{"$ref": "#/$defs/Code"}, {
            "type": "object", "required": ["site"], "additionalProperties": False,
            "properties": {k: {"$ref": "#/$defs/Code"} for k in ("site", "laterality", "modifier")}}]}

    _spec_schema_uses = (Code,)

    def _spec_dump(self) -> Any:
        if self.laterality is None and self.modifier is None:
            return self.site._spec_dump()
        return {k: v._spec_dump() for k, v in (("site", self.site), ("laterality", self.laterality),
                                              ("modifier", self.modifier)) if v is not None}


def _plain(cls: type, value: dict[str, Any], path: str) -> Any:
    """Parse a dataclass that also has a short form, bypassing its own _spec_parse."""
    from dicomhelp.create.spec import _dataclass_from

    return _dataclass_from(cls, value, path)


@dataclass
class TimePoint:
    """Time Point Context (TID 1502)."""

    time_point: str
    type: Code | None = None
    order: int | None = None
    subject_time_point_id: str | None = None
    protocol_time_point_id: str | None = None


@dataclass
class Qualitative:
    """A qualitative evaluation: a coded concept with a code value or a text value."""

    concept: Code
    value: Code | None = None
    text: str | None = None

    def _spec_check(self, path: str) -> None:
        if (self.value is None) == (self.text is None):
            fail(path, "give exactly one of 'value' (a code) or 'text'")


@dataclass
class Measurement:
    """A measurement (TID 300; TID 1419 in ROI groups)."""

    concept: Code
    value: float
    unit: str | Code = field(metadata={"doc": "UCUM unit: 'mm', 'mm2', '[hnsf\\'U]' or a code (UCUM scheme)"})
    derivation: Code | None = None
    method: Code | None = None
    finding_sites: list[FindingSite] = field(default_factory=list)
    qualifier: Code | None = None
    algorithm: Algorithm | None = None
    tracking_id: str | None = None
    tracking_uid: str | None = None
    images: list[ImageRef] = field(default_factory=list, metadata={"doc": "Images the value was measured on"})


@dataclass
class Region:
    """A planar region (SCOORD) on one image: POINT, POLYLINE (closed), CIRCLE or ELLIPSE.

    ``points`` are (column, row) pixel coordinates; a POLYLINE is closed by
    repeating the first point (added if missing).
    """

    type: Literal["POINT", "POLYLINE", "CIRCLE", "ELLIPSE", "MULTIPOINT"]
    image: ImageRef
    points: list[list[float]]
    frame: int | None = None

    def _spec_check(self, path: str) -> None:
        if self.type == "MULTIPOINT":
            fail(join(path, "type"), "MULTIPOINT is not a valid ROI region (TID 1410/1411 allow POINT, "
                 "POLYLINE, CIRCLE, ELLIPSE)", "use a closed POLYLINE")
        _check_points(self.type, self.points, 2, join(path, "points"))


@dataclass
class Region3D:
    """A volume surface in 3D patient coordinates (SCOORD3D, Comprehensive 3D SR).

    ``contours`` are lists of (x, y, z) points in mm: two or more planar
    POLYGON or ELLIPSE contours that enclose the volume, or one POINT.
    """

    type: Literal["POLYGON", "ELLIPSE", "POINT", "POLYLINE", "MULTIPOINT", "ELLIPSOID"]
    contours: list[list[list[float]]]
    frame_of_reference: str | None = field(default=None, metadata={
        "doc": "Frame of Reference UID; default: the one of the source study's images"})
    images: list[ImageRef] = field(default_factory=list, metadata={
        "doc": "Images the surface was segmented on; default: every source image in the frame of reference"})

    def _spec_check(self, path: str) -> None:
        if self.type in ("MULTIPOINT", "ELLIPSOID", "POLYLINE"):
            fail(join(path, "type"), f"{self.type} is not a valid volumetric region (TID 1411)",
                 "use POLYGON or ELLIPSE contours, or a POINT")
        if self.type == "POINT":
            if len(self.contours) != 1:
                fail(join(path, "contours"), "a POINT has one contour of one point")
        elif len(self.contours) < 2:
            fail(join(path, "contours"), f"a {self.type} volume surface needs two or more planar contours")
        for i, contour in enumerate(self.contours):
            _check_points(self.type, contour, 3, join(join(path, "contours"), i))


def _check_points(kind: str, points: list[list[float]], dims: int, path: str) -> None:
    for i, p in enumerate(points):
        if len(p) != dims:
            fail(join(path, i), f"a point has {dims} coordinates, this one has {len(p)}")
    need = {"POINT": (1, 1), "CIRCLE": (2, 2), "ELLIPSE": (4, 4)}.get(kind, (3, None))
    lo, hi = need
    if len(points) < lo or (hi is not None and len(points) > hi):
        count = str(lo) if lo == hi else f"at least {lo}"
        fail(path, f"a {kind} has {count} points, this one has {len(points)}")


@dataclass
class SegmentRef:
    """A segment of a Segmentation in the source: the volume a TID 1411 group measures (Referenced Segment)."""

    seg: str = field(metadata={"doc": "the SEG object: SOP Instance UID or file name in the source"})
    number: int = field(default=1, metadata={"doc": "its Segment Number"})


@dataclass
class Group:
    """A measurement group: image-level (TID 1501), planar ROI (TID 1410) or volumetric ROI (TID 1411).

    The kind follows from the location keys: ``region`` → planar, ``regions``,
    ``region3d`` or ``segment`` → volumetric, none → image-level (``images``
    lists the images it is about).
    """

    tracking_id: str
    tracking_uid: str | None = field(default=None, metadata={"doc": "generated from the tracking id if absent"})
    finding: Code | None = field(default=None, metadata={"doc": "Finding (121071, DCM), e.g. 'SCT: Nodule'"})
    finding_category: Code | None = None
    finding_sites: list[FindingSite] = field(default_factory=list)
    time_point: TimePoint | None = None
    algorithm: Algorithm | None = None
    method: Code | None = None
    session: str | None = None
    images: list[ImageRef] = field(default_factory=list, metadata={
        "doc": "image-level group: the images it is about"})
    region: Region | None = None
    regions: list[Region] = field(default_factory=list, metadata={"doc": "volumetric: one planar region per image"})
    region3d: Region3D | None = None
    segment: SegmentRef | None = field(default=None, metadata={
        "doc": "volumetric: a segment of a SEG in the source (TID 1411 Referenced Segment)"})
    qualitative: list[Qualitative] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.region is not None:
            return "planar"
        if self.regions or self.region3d is not None or self.segment is not None:
            return "volumetric"
        return "image"

    def _spec_check(self, path: str) -> None:
        locations = [k for k in ("region", "regions", "region3d", "segment") if getattr(self, k)]
        if len(locations) > 1:
            fail(join(path, locations[1]), f"give one location: {' or '.join(locations)}")
        if locations and self.images:
            fail(join(path, "images"), "'images' is for image-level groups; an ROI group's region names its image")
        if self.kind == "image" and not self.qualitative and not self.measurements:
            fail(path, "an image-level group (TID 1501) needs qualitative evaluations or measurements")
        if not self.qualitative and not self.measurements and self.finding is None:
            fail(path, "a group needs a finding, qualitative evaluations or measurements")


@dataclass
class SRSpec:
    """A TID 1500 Measurement Report."""

    observer: Observer = field(metadata={"doc": "Observer context: person and/or device (AI)"})
    groups: list[Group] = field(default_factory=list)
    document: Document = field(default_factory=Document)
    study_uid: str | None = field(default=None, metadata={
        "doc": "The study reported on when --source holds several (others are priors)"})

    def _spec_check(self, path: str) -> None:
        if not self.groups:
            fail(join(path, "groups"), "a TID 1500 report needs at least one measurement group")
        for scheme in self.document.coding_schemes:
            if not scheme.startswith("99"):
                fail(join(join(path, "document"), "coding_schemes") + f".{scheme}",
                     "only private schemes (99...) need declaring")


def load_sr_spec(source: str | Path | Mapping[str, Any]) -> SRSpec:
    data = source if isinstance(source, Mapping) else load_data(source)
    result: SRSpec = from_data(SRSpec, data)
    return result


def sr_spec_data(spec: SRSpec) -> dict[str, Any]:
    data: dict[str, Any] = to_data(spec)
    return data


def sr_schema() -> dict[str, Any]:
    from dicomhelp.create.spec import json_schema

    return json_schema(SRSpec, title="dicomhelp SR spec (TID 1500 Measurement Report)",
                       schema_id="https://dicomhelp.invalid/schema/sr.json")
