"""The conditions of Type 1C/2C attributes that can be decided from the data set.

PS3.3 states each condition in prose; the common ones are hand-coded here.
Each returns True (required here), False (not required) or None (cannot be
decided from the data: the attribute is then not demanded). A present 1C
attribute must have a value whatever its condition (PS3.5 7.4.2), which the
IOD rule checks without these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Condition = Callable[[Any, Any, str], "bool | None"]

# Body parts that come in pairs (PS3.16 Annex L lists the laterality of each region);
# Laterality is needed when one of these was examined (PS3.3 C.7.3.1).
PAIRED_BODY_PARTS = frozenset({
    "BREAST", "EYE", "EAR", "KIDNEY", "OVARY", "TESTIS", "ADRENAL", "LUNG", "HIP", "KNEE", "SHOULDER", "ELBOW",
    "WRIST", "HAND", "FOOT", "ANKLE", "ARM", "LEG", "FEMUR", "TIBIA", "FIBULA", "HUMERUS", "RADIUS", "ULNA",
    "CLAVICLE", "SCAPULA", "FINGER", "TOE", "THUMB", "HEEL", "FOREARM", "UPRLIMB", "LOWRLIMB", "PAROTID",
    "SUBMANDIBULAR", "ORBIT", "FALLOPIAN", "EPIDIDYMIS", "SEMVESICLE", "THIGH", "CALF", "KNEECAP", "AXILLA",
    "EXTREMITY", "RIB", "TMJ", "SIJOINT", "ACJOINT", "SCJOINT",
})

# SOP classes whose Patient Position is required when no Patient Orientation Code Sequence is sent.
PATIENT_POSITION_CLASSES = frozenset({
    "1.2.840.10008.5.1.4.1.1.2",  # CT
    "1.2.840.10008.5.1.4.1.1.4",  # MR
    "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
    "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
    "1.2.840.10008.5.1.4.1.1.4.3",  # Enhanced MR Color
    "1.2.840.10008.5.1.4.1.1.4.2",  # MR Spectroscopy
})


def _value(ds: Any, keyword: str) -> Any:
    try:
        elem = ds.get(keyword)
    except Exception:  # noqa: BLE001 - a broken value counts as absent
        return None
    return None if elem is None else elem


def _text(ds: Any, keyword: str) -> str | None:
    v = _value(ds, keyword)
    if v is None or v in ("", b""):
        return None
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return "\\".join(str(x) for x in v)
    return str(v).strip()


def _int(ds: Any, keyword: str) -> int | None:
    v = _value(ds, keyword)
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _present(ds: Any, keyword: str) -> bool:
    return keyword in ds


def samples_over_one(item: Any, root: Any, sop: str) -> bool | None:
    n = _int(item, "SamplesPerPixel")
    return None if n is None else n > 1


def palette(item: Any, root: Any, sop: str) -> bool | None:
    pi = _text(item, "PhotometricInterpretation")
    return None if pi is None else pi == "PALETTE COLOR"


def pixel_data(item: Any, root: Any, sop: str) -> bool | None:
    # Required unless the pixels are sent another way (float data, a provider URL).
    others = ("FloatPixelData", "DoubleFloatPixelData", "PixelDataProviderURL")
    return not any(_present(item, k) for k in others)


def multi_frame(item: Any, root: Any, sop: str) -> bool | None:
    n = _int(item, "NumberOfFrames")
    return None if n is None else n > 1


def lossy(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "LossyImageCompression")
    return None if v is None else v == "01"


def laterality(item: Any, root: Any, sop: str) -> bool | None:
    if _present(item, "ImageLaterality") or _present(item, "FrameLaterality"):
        return False
    part = _text(item, "BodyPartExamined")
    if part is None:
        return None
    if part.upper() in PAIRED_BODY_PARTS:
        return True
    # A side given for a part this list calls unpaired: the list (not the file) may be short of a
    # paired region (PS3.16 Annex L has hundreds), so only an empty Laterality is judged not allowed.
    return None if _text(item, "Laterality") else False


def patient_position(item: Any, root: Any, sop: str) -> bool | None:
    if _present(root, "PatientOrientationCodeSequence"):
        return False
    return sop in PATIENT_POSITION_CLASSES


def container(item: Any, root: Any, sop: str) -> bool | None:
    vt = _text(item, "ValueType")
    return None if vt is None else vt == "CONTAINER"


def verified(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "VerificationFlag")
    return None if v is None else v == "VERIFIED"


def window_center(item: Any, root: Any, sop: str) -> bool | None:
    return not _present(item, "VOILUTSequence")


def window_width(item: Any, root: Any, sop: str) -> bool | None:
    return _present(item, "WindowCenter")


def _identity_removed(item: Any) -> bool:
    # "Required if Patient Identity Removed (0012,0062) is present and has a value of YES".
    return _text(item, "PatientIdentityRemoved") == "YES"


def deid_method(item: Any, root: Any, sop: str) -> bool | None:
    # PS3.3 C.7.1.1: one of the two is required when the identity was removed.
    removed = _identity_removed(item)
    return removed and not _present(item, "DeidentificationMethodCodeSequence")


def deid_codes(item: Any, root: Any, sop: str) -> bool | None:
    removed = _identity_removed(item)
    return removed and not _present(item, "DeidentificationMethod")


def patient_geometry(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "RTPlanGeometry")
    return None if v is None else v == "PATIENT"


# IODs whose images must carry Image Plane (orientation/position): Patient Orientation is then not needed.
IMAGE_PLANE_CLASSES = PATIENT_POSITION_CLASSES | frozenset({
    "1.2.840.10008.5.1.4.1.1.128",  # PET
    "1.2.840.10008.5.1.4.1.1.481.1",  # RT Image has its own geometry
})


def patient_orientation(item: Any, root: Any, sop: str) -> bool | None:
    # PS3.3 C.7.6.1: required if the image needs neither Image Orientation/Position (Patient)
    # nor Patient Orientation Code Sequence.
    if _present(root, "ImageOrientationPatient") or _present(root, "PatientOrientationCodeSequence"):
        return False
    if _orientation_in_functional_groups(root):
        return False  # multi-frame IODs (SEG, Enhanced CT) carry it in Plane Orientation (Patient)
    return sop not in IMAGE_PLANE_CLASSES


def _orientation_in_functional_groups(root: Any) -> bool:
    for keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = _value(root, keyword)
        first = groups[0] if groups else None
        if first is not None and _present(first, "PlaneOrientationSequence"):
            plane = _value(first, "PlaneOrientationSequence")
            if plane and _present(plane[0], "ImageOrientationPatient"):
                return True
    return False


CONDITIONS: dict[str, Condition] = {
    "DeidentificationMethod": deid_method,
    "DeidentificationMethodCodeSequence": deid_codes,
    "ReferencedStructureSetSequence": patient_geometry,
    "PatientOrientation": patient_orientation,
    "PlanarConfiguration": samples_over_one,
    "RedPaletteColorLookupTableDescriptor": palette,
    "GreenPaletteColorLookupTableDescriptor": palette,
    "BluePaletteColorLookupTableDescriptor": palette,
    "RedPaletteColorLookupTableData": palette,
    "GreenPaletteColorLookupTableData": palette,
    "BluePaletteColorLookupTableData": palette,
    "PixelData": pixel_data,
    "FrameIncrementPointer": multi_frame,
    "LossyImageCompressionRatio": lossy,
    "LossyImageCompressionMethod": lossy,
    "Laterality": laterality,
    "PatientPosition": patient_position,
    "ContinuityOfContent": container,
    "VerifyingObserverSequence": verified,
    "WindowCenter": window_center,
    "WindowWidth": window_width,
}


# Hand-coded conditions whose text is one sentence without "may be present otherwise": when they do
# not hold the attribute shall be absent (PS3.5 7.4). Laterality: "Required if the body part examined
# is a paired structure and Image Laterality ... are not sent" (PS3.3 C.7.3.1).
EXCLUSIVE = frozenset({"Laterality"})


def condition_for(keyword: str) -> Condition | None:
    return CONDITIONS.get(keyword)


def is_exclusive(keyword: str) -> bool:
    """Is a hand-coded condition's attribute absent when the condition does not hold?"""
    return keyword in EXCLUSIVE


# Undecided conditions worth a warning rather than an info: other validators (dciodvfy) call the
# attribute missing there, and one more attribute settles it. The value: what to add.
UNDECIDED_WARNINGS: dict[str, str] = {
    "Laterality": "add Body Part Examined (0018,0015) so the condition can be decided; if the part is paired, "
                  "add Laterality (0020,0060) too (R or L), or Image Laterality (0020,0062)",
}


def undecided_fix(keyword: str) -> str | None:
    """The fix to print with a warning when ``keyword``'s condition cannot be decided, else None (info)."""
    return UNDECIDED_WARNINGS.get(keyword)


# --- Conditions read from the standard's own text (PS3.3 module tables) -------------------------
# The common sentence forms — "Required if X (gggg,eeee) is present", "... is not present",
# "... is present and has a value", "... has a value of "Y"", "the value of X is A or B", joined by
# one kind of "and"/"or" — are decided here; any other wording is left undecided (None), which the
# IOD rule reports as "not checked" instead of passing silently.

_LEAD = re.compile(r"^\s*(?:Required|Shall be present|Shall be included|Required only) (?:if|when) ", re.I)
_NAME = r"(?:the value of |the value for |a value for |the )?[A-Z][A-Za-z0-9'/\-]*(?: [A-Za-z0-9'/\-]+)*?"
_TAG = r"\((?:[0-9A-Fa-f]{4},[0-9A-Fa-f]{4})\)"
# One attribute, or several with their tags ("Code Value (0008,0100) or Long Code Value (0008,0119) is present").
_REF = (rf"(?P<refs>{_NAME}(?: {_TAG})?(?: value)?|{_NAME} {_TAG}(?:(?:,| or| and|, or|, and) {_NAME} {_TAG})+)")
_PRED = (r" (?P<pred>is present and has a value of|is present with a value of|is present and equals|"
         r"is present and the value is|is present and has a value greater than|has a value greater than|"
         r"is greater than|has a value less than|is less than|is present and has a value|is present with a value|is present and is not empty|is present|"
         r"is not present|is absent|is not sent|is sent|has a value of|has a value|is not equal to|is equal to|"
         r"equals|is not|is)")
_VALUES = r"(?P<vals>(?:,? (?:or )?(?:\"[^\"]*\"|[A-Z0-9_.]+(?: [A-Z0-9_]+)*\b(?! \()))*)"
_CLAUSE = re.compile(_REF + _PRED + _VALUES)
_JOIN = re.compile(r"\s*(,? and |,? or )")
_COMPARE = {"is present and has a value greater than": 1, "has a value greater than": 1, "is greater than": 1,
            "has a value less than": -1, "is less than": -1}
_VALUE_PREDS = {"is present and the value is", *_COMPARE, "is present and has a value of", "is present with a value of", "is present and equals", "has a value of",
                "is not equal to", "is equal to", "equals", "is not", "is"}


@dataclass(frozen=True)
class Clause:
    tags: tuple[int, ...]  # several: "A or B is present" (any_of) / "A and B are ..." (all)
    pred: str
    values: tuple[str, ...]
    any_of: bool = False


@dataclass(frozen=True)
class ParsedCondition:
    """A condition the validator can decide: clauses joined by one operator."""

    clauses: tuple[Clause, ...]
    any_of: bool  # True: "or", False: "and"
    exclusive: bool  # one sentence without "may be present otherwise": absent when it does not hold


def _tags_of(refs: str) -> tuple[int, ...]:
    """The tags a clause names: written out, else the one attribute's name turned into its keyword."""
    from pydicom.datadict import tag_for_keyword

    written = re.findall(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", refs)
    if written:
        return tuple(int(g + e, 16) for g, e in written)
    name = re.sub(r"^(?:the value of |the value for |a value for |the )|(?: value)$", "", refs)
    tag = tag_for_keyword(re.sub(r"[^A-Za-z0-9]", "", " ".join(w[:1].upper() + w[1:] for w in name.split())))
    return (tag,) if tag is not None else ()


@lru_cache(maxsize=4096)
def parse_condition(text: str | None) -> ParsedCondition | None:
    """The condition of ``text`` when it is one of the common forms, else None."""
    if not text:
        return None
    sentences = [s.strip() for s in re.split(r"(?<=[.;])\s+", text.strip()) if s.strip()]
    m = _LEAD.match(sentences[0]) if sentences else None
    if m is None or re.search(r"\bValues? \d", sentences[0]):  # a value position: not decided here
        return None
    body = sentences[0][m.end():].rstrip(".; ")
    clauses: list[Clause] = []
    joins: set[str] = set()
    pos = 0
    while True:
        cm = _CLAUSE.match(body, pos)
        if cm is None:
            return None
        tags = _tags_of(cm.group("refs"))
        pred = cm.group("pred")
        values = tuple(v.strip('"') for v in re.findall(r"\"[^\"]*\"|[A-Z0-9_.]+(?: [A-Z0-9_]+)*", cm.group("vals") or ""))
        if not tags or (pred in _VALUE_PREDS) != bool(values):
            return None
        clauses.append(Clause(tags, pred, values, " or " in cm.group("refs")))
        pos = cm.end()
        if pos == len(body):
            break
        jm = _JOIN.match(body, pos)
        if jm is None:
            return None
        joins.add(jm.group(1).strip(" ,"))
        pos = jm.end()
    if len(joins) > 1:
        return None
    rest = " ".join(sentences[1:]).lower()
    exclusive = not rest
    return ParsedCondition(tuple(clauses), joins == {"or"}, exclusive)


def _clause_holds(clause: Clause, scope: Any, extra: frozenset[int]) -> bool | None:
    results = [_one_holds(clause, tag, scope, extra) for tag in clause.tags]
    if clause.any_of:
        return True if True in results else (None if None in results else False)
    return False if False in results else (None if None in results else True)


def _one_holds(clause: Clause, tag: int, scope: Any, extra: frozenset[int]) -> bool | None:
    present = tag in scope or tag in extra
    if tag not in scope and present and clause.pred not in ("is present", "is sent", "is not present", "is absent",
                                                           "is not sent"):
        return None  # the pixels were not read (header only): their value is not known here
    if clause.pred in ("is present", "is sent"):
        return present
    if clause.pred in ("is not present", "is absent", "is not sent"):
        return not present
    if not present:
        return False if clause.pred not in ("is not", "is not equal to") else None
    try:
        value = scope[tag].value
    except Exception:  # noqa: BLE001 - an unreadable value: cannot decide
        return None
    if clause.pred in ("is present and has a value", "is present with a value", "has a value",
                       "is present and is not empty"):
        return value not in (None, "", b"") and not (hasattr(value, "__len__") and len(value) == 0)
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return None  # which value of a multi-valued attribute is meant: not said
    if clause.pred in _COMPARE:
        try:
            diff = float(value) - float(clause.values[0])
        except (TypeError, ValueError):
            return None
        return diff * _COMPARE[clause.pred] > 0
    text = str(value).strip("\0 ")
    equal = any(_same(text, v) for v in clause.values)
    return not equal if clause.pred in ("is not", "is not equal to") else equal


def _same(text: str, wanted: str) -> bool:
    if text == wanted:
        return True
    try:
        return float(text) == float(wanted.rstrip("H")) if not wanted.endswith("H") else int(text) == int(wanted[:-1], 16)
    except ValueError:
        return False


def decide(parsed: ParsedCondition, item: Any, root: Any, local: frozenset[int],
           root_extra: frozenset[int] = frozenset()) -> bool | None:
    """Does the condition hold? ``local``: the tags of ``item``'s own level (else the root is asked);
    ``root_extra``: tags present at the root that the header-only read skipped (Pixel Data)."""
    results = []
    for clause in parsed.clauses:
        if item is root or all(t in local for t in clause.tags):
            scope = item
        elif all(t in root or t in root_extra for t in clause.tags):
            scope = root
        else:
            return None  # an attribute of some other level: where to look is not said
        results.append(_clause_holds(clause, scope, root_extra if scope is root else frozenset()))
    if parsed.any_of:
        return True if True in results else (None if None in results else False)
    return False if False in results else (None if None in results else True)
