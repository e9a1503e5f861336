"""De-identification by PS3.15 Annex E: the Basic Profile and its options.

Every element, at every nesting depth, gets the action of Table E.1-1 for the
options in force (:mod:`dicomhelp.standard.ps315`); elements the table does not
list are kept, private elements are removed (Retain Safe Private keeps those of
Table E.3.10-1, matched by creator and element at any depth, and those the user
names). What the codes mean here:

- ``X`` remove, ``Z`` empty, ``K`` keep, ``U`` a new UID derived from the old one
  and the run's secret (the same everywhere, so a study stays a study and
  references between objects still resolve);
- ``D`` a dummy value for the VR; a sequence is kept with every value inside
  replaced (Content Sequence, Graphic Annotation Sequence), and an
  Encapsulated Document is refused unless replacing it is accepted;
- ``C`` clean: dates shifted by a per-patient offset (Modified Dates), text
  stripped of this file's identifying values, sequences cleaned like ``D`` but
  keeping what Table E.3.4-1 retains for the options;
- compound codes (``X/Z``, ``X/D``, ``X/Z/D``, ``Z/D``) by the attribute's type in
  the object's IOD (from :mod:`dicomhelp.standard`): Type 1 gets a dummy, Type 2 an
  empty value, anything else is removed; inside sequences, or when the IOD is
  unknown, the attribute is kept empty or dummied, which never breaks an object.
  ``X/Z/U*`` keeps the sequence with its UIDs replaced.

SR objects get Clean Structured Content and presentation states Clean Graphics
by default: text values are replaced, codes, numbers, structure and
references are kept. Patient's Name and Patient ID get one pseudonym per
patient and secret (``Z`` and ``D`` both allow a dummy). :data:`ADDITIONS`
lists where dicomhelp goes beyond the table (free Text Value anywhere, a
presentation state's Content Description).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.standard import ps315
from dicomhelp.edit.model import Action, Edit, UIDMapper, apply_edits
from dicomhelp.io import OutputFolder
from dicomhelp.errors import DicomHelpError, InputError, UsageError

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
PS_PREFIX = "1.2.840.10008.5.1.4.1.1.11."
CONTENT_SEQUENCE = 0x0040A730
CONCEPT_NAME = 0x0040A043
TEXT_VALUE = 0x0040A160
PSEUDONYM_TAGS = (0x00100010, 0x00100020)  # Patient's Name, Patient ID: one pseudonym per patient and secret
ENCAPSULATED_DOCUMENT = 0x00420011
OVERLAY_DATA_RULE = 0x60003000
PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)
# Free-text VRs whose values a cleaned sequence replaces (codes are LO/SH too, see CODE_TAGS).
FREE_TEXT_VRS = {"LO", "LT", "SH", "ST", "UT", "UC", "PN"}
CODE_TAGS = {
    0x00080100, 0x00080102, 0x00080103, 0x00080104, 0x00080105, 0x00080106, 0x00080107, 0x0008010B,
    0x0008010D, 0x0008010F, 0x00080117, 0x00080118, 0x00080119, 0x00080120, 0x00080121, 0x00080122,
    0x0040DB00, 0x0040DB06, 0x0040DB07, 0x0040A040, 0x0040A010, 0x0040A050, 0x00700002, 0x00700003,
    0x00700004, 0x00700005, 0x00700023, 0x00700024, 0x00700022, 0x00700020, 0x00700021, 0x0070005A,
}
META_IDENTIFYING = (0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102)
DUMMY_TEXT = "ANONYMIZED"
DUMMY_BY_VR: dict[str, Any] = {
    "AE": DUMMY_TEXT, "AS": "000D", "CS": DUMMY_TEXT, "DA": "19000101", "DT": "19000101000000",
    "TM": "000000", "DS": "0", "IS": "0", "LO": DUMMY_TEXT, "LT": DUMMY_TEXT, "PN": "ANONYMIZED",
    "SH": DUMMY_TEXT, "ST": DUMMY_TEXT, "UC": DUMMY_TEXT, "UT": DUMMY_TEXT, "UR": "urn:anonymized",
    "US": 0, "SS": 0, "UL": 0, "SL": 0, "UV": 0, "SV": 0, "FL": 0.0, "FD": 0.0, "AT": 0x00000000,
    "OB": b"\x00\x00", "OW": b"\x00\x00", "OD": b"\x00" * 8, "OF": b"\x00" * 4, "OL": b"\x00" * 4,
    "OV": b"\x00" * 8, "UN": b"\x00\x00",
}


@dataclass(frozen=True)
class Settings:
    """How to de-identify. ``secret`` makes UIDs, pseudonyms and date shifts reproducible."""

    secret: str
    options: frozenset[str] = frozenset()
    clean_sr: bool = True  # Clean Structured Content for SR objects unless switched off
    clean_ps: bool = True  # Clean Graphics for presentation states unless switched off
    replace_documents: bool = False
    uid_root: str | None = None
    edits: tuple[Edit, ...] = ()  # applied after the profile; `keep` edits exempt elements from it
    safe_private: tuple[str, ...] = ()  # private element paths kept with Retain Safe Private

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(ps315.OPTION_CODES)
        if unknown:
            raise UsageError(f"unknown option(s) {', '.join(sorted(unknown))}")
        if ps315.RETAIN_FULL_DATES in self.options and ps315.RETAIN_MODIFIED_DATES in self.options:
            raise UsageError("choose one of Retain Longitudinal Temporal Information with Full Dates "
                             "or with Modified Dates")


@dataclass
class Outcome:
    source: str
    target: str | None = None
    options: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    uid_map: dict[str, str] = field(default_factory=dict)
    name: str | None = None  # in folder mode: the name wanted in the output folder (target is the staged file)


class _Run:
    """The state of de-identifying one dataset."""

    def __init__(self, ds: Dataset, settings: Settings, options: frozenset[str], uids: UIDMapper):
        self.settings = settings
        self.options = options
        self.uids = uids
        self.table = ps315.load_table()
        self.keep_ids: set[int] = set()
        self.safe_ids: set[int] = set()
        self.patient_key = str(ds.get("PatientID", "") or "") + "\x1f" + str(ds.get("PatientName", "") or "")
        # What cleaned text must not contain, from the original values (only options that clean text need it).
        text_cleaning = {ps315.CLEAN_DESCRIPTORS, ps315.RETAIN_DEVICE, ps315.RETAIN_PATIENT_CHARS}
        self.identifiers = _identifying_values(ds, self.table) if options & text_cleaning else []
        self.root = ds
        self.iod_modules = _iod_modules(str(ds.get("SOPClassUID", "") or ""))

    # -- the walk -------------------------------------------------------------------------------
    def dataset(self, ds: Dataset, *, scrub: bool = False, retain_value: bool = False) -> None:
        """Apply the table to every element of ``ds``; ``scrub`` inside dummied/cleaned sequences."""
        for elem in list(ds):
            tag = int(elem.tag)
            if id(elem) in self.keep_ids or tag not in ds:
                continue
            if tag & 0xFFFF == 0 and tag >> 16 != 0x0002:
                del ds[tag]  # group lengths are retired and would be wrong afterwards
            elif (tag >> 16) % 2 == 1:
                self.private(ds, elem)
            elif 0x6000 <= tag >> 16 <= 0x601E or 0x5000 <= tag >> 16 <= 0x501E:
                self.overlay_or_curve(ds, elem)
            else:
                self.element(ds, elem, scrub=scrub, retain_value=retain_value)
        if (len(ds) and any((int(t) >> 16) % 2 for t in ds.keys())):
            _drop_empty_private_blocks(ds)

    def element(self, ds: Dataset, elem: DataElement, *, scrub: bool, retain_value: bool) -> None:
        tag = int(elem.tag)
        rule = ADDITIONS.get(tag) or self.table.rule(tag)
        if rule is None and _unknown_public(tag):
            # No dictionary knows it, so nothing says it is safe: a damaged tag (the fuzzer flipped
            # (0010,0020) into (0048,0090)) would otherwise carry a Patient ID through.
            del ds[tag]
            return
        if rule is None:
            if elem.VR == "SQ":
                self.items(elem, scrub=scrub, content=tag == CONTENT_SEQUENCE and scrub)
            elif scrub and not retain_value:
                self.scrub(elem)
            return
        action = self.resolve(rule.action(self.options), elem, top=ds is self.root)
        if retain_value and action in ("D", "C", "X", "Z") and tag in _CONTENT_VALUE_TAGS:
            action = "K"
        if scrub and action in ("X", "Z") and tag in _CONTENT_VALUE_TAGS:
            action = "D"  # a content item keeps its (Type 1) value, dummied
        self.do(ds, elem, action, scrub=scrub)

    def resolve(self, action: str, elem: DataElement, *, top: bool = False) -> str:
        """Compound codes (Table E.1-1a): the least kept that keeps the object valid.

        At the top level of an object whose IOD the knowledge layer knows, the
        attribute's type there decides: Type 1 takes a dummy (D), Type 2 an empty
        value (Z), otherwise it is removed (X). Elsewhere (inside sequences, unknown
        IODs) the attribute is kept empty or dummied, which never breaks an object.
        """
        if "/" not in action:
            return action
        if action == "X/Z/U*":
            return "U"
        parts = action.split("/")
        required = _required_type(int(elem.tag), self.iod_modules) if top and self.iod_modules else None
        if required is not None:
            if required == "1" and "D" in parts:
                return "D"
            if required in ("1", "2") and "Z" in parts:
                return "Z"
            if required in ("1", "2"):
                return "D"
            return parts[0]  # X, or Z for Z/D
        empty = elem.value is None or elem.value == "" or (elem.VR == "SQ" and len(elem.value) == 0)
        if "Z" in parts and (empty or "D" not in parts):
            return "Z"
        return "D"

    def do(self, ds: Dataset, elem: DataElement, action: str, *, scrub: bool) -> None:
        try:
            self._do(ds, elem, action, scrub=scrub)
        except (ValueError, TypeError, OverflowError):
            # A value of the wrong VR for its tag (a damaged file: PatientID as AT) cannot take a
            # dummy or a pseudonym; removing it is the choice that cannot leak.
            if int(elem.tag) in ds:
                del ds[int(elem.tag)]

    def _do(self, ds: Dataset, elem: DataElement, action: str, *, scrub: bool) -> None:
        tag = int(elem.tag)
        if action == "X":
            del ds[tag]
        elif action == "Z" and tag in PSEUDONYM_TAGS:
            elem.value = self.pseudonym(elem)  # Z allows a dummy: a pseudonym keeps PACS and viewers happy
        elif action == "Z":
            elem.value = [] if elem.VR == "SQ" else None
        elif action == "K":
            if elem.VR == "SQ":
                self.items(elem, scrub=scrub, content=False)
        elif action == "U":
            if elem.VR == "SQ":
                self.items(elem, scrub=scrub, content=False)
            elif elem.VR == "UI":
                self.replace_uid(elem)
            else:
                self.dummy(elem)
        elif action == "D":
            if tag == ENCAPSULATED_DOCUMENT:
                self.replace_document(ds, elem)
            elif elem.VR == "SQ":
                self.items(elem, scrub=True, content=tag == CONTENT_SEQUENCE)
            elif elem.VR == "UI":
                self.replace_uid(elem)
            elif tag in PSEUDONYM_TAGS:
                elem.value = self.pseudonym(elem)
            else:
                self.dummy(elem)
        elif action == "C":
            self.clean(elem, ds)
        else:
            raise AssertionError(f"unknown action {action}")

    def items(self, elem: DataElement, *, scrub: bool, content: bool) -> None:
        for item in elem.value or []:
            retain = False
            if content:
                retain = self.content_item_retained(item)
            self.dataset(item, scrub=scrub, retain_value=retain)

    def content_item_retained(self, item: Dataset) -> bool:
        """Table E.3.4-1: is this content item's value kept under the options in force?"""
        names = item.get(CONCEPT_NAME)
        if names is None or not names.value:
            return False
        concept = names.value[0]
        code = str(concept.get("CodeValue", "") or concept.get("LongCodeValue", "") or "")
        rule = self.table.content_rule(code, str(concept.get("CodingSchemeDesignator", "")),
                                       str(item.get("ValueType", "")))
        return rule is not None and rule.action(self.options) == "K"

    # -- values -----------------------------------------------------------------------------------
    def private(self, ds: Dataset, elem: DataElement) -> None:
        tag = int(elem.tag)
        if ps315.RETAIN_SAFE_PRIVATE in self.options and (id(elem) in self.safe_ids or _listed_safe(ds, tag)):
            return
        if (tag & 0xFFFF) < 0x0100 and (tag & 0xFFFF) >= 0x0010:
            return  # creators go with their block (see _drop_empty_private_blocks)
        del ds[tag]

    def overlay_or_curve(self, ds: Dataset, elem: DataElement) -> None:
        """Overlays and curves may hold burned-in text: without Overlay Data the group goes whole."""
        tag = int(elem.tag)
        rule = self.table.rule(tag)
        group_rule = self.table.rule(OVERLAY_DATA_RULE if tag >> 16 >= 0x6000 else tag)
        action = group_rule.action(self.options) if group_rule else "K"
        if action in ("X", "C"):  # cleaning a bitmap is beyond a header tool: remove it
            del ds[tag]
        elif rule is not None:
            self.do(ds, elem, self.resolve(rule.action(self.options), elem), scrub=False)

    def replace_uid(self, elem: DataElement) -> None:
        from pydicom.uid import UID_dictionary

        value = elem.value
        if not value:
            return
        values = [value] if isinstance(value, str) else list(value)
        new = [v if str(v) in UID_dictionary else self.uids(str(v)) for v in values]
        elem.value = new[0] if isinstance(value, str) else new

    def dummy(self, elem: DataElement) -> None:
        if elem.VR == "UI":
            self.replace_uid(elem)
            return
        elem.value = DUMMY_BY_VR.get(str(elem.VR), DUMMY_TEXT)

    def pseudonym(self, elem: DataElement) -> str:
        """The same dummy Patient ID for the same patient in every run with this secret."""
        digest = hmac.new(self.settings.secret.encode(), self.patient_key.encode("utf-8"), hashlib.sha256)
        return "ANON" + digest.hexdigest()[:12].upper()

    def scrub(self, elem: DataElement) -> None:
        """A value inside a cleaned sequence that the table does not list."""
        vr = str(elem.VR)
        if int(elem.tag) in CODE_TAGS or elem.value in (None, "", b""):
            return
        if vr in FREE_TEXT_VRS:
            self.dummy(elem)
        elif vr in ("DA", "DT"):
            self.date_value(elem, default="D")
        elif vr == "UI":
            self.replace_uid(elem)

    def clean(self, elem: DataElement, ds: Dataset) -> None:
        vr = str(elem.VR)
        if vr == "SQ":
            self.items(elem, scrub=True, content=int(elem.tag) == CONTENT_SEQUENCE)
        elif vr in ("DA", "DT"):
            self.date_value(elem, default="K")
        elif vr in FREE_TEXT_VRS or vr in ("CS", "AE", "UR"):
            elem.value = self.strip_identifiers(elem.value)
        # numbers, times, codes: nothing identifying to clean

    def date_value(self, elem: DataElement, *, default: str) -> None:
        if ps315.RETAIN_FULL_DATES in self.options:
            return
        if ps315.RETAIN_MODIFIED_DATES in self.options:
            elem.value = _shift_dates(elem.value, str(elem.VR), self.date_offset())
        elif default == "D":
            self.dummy(elem)

    def date_offset(self) -> timedelta:
        """Days to shift every date of this patient: -365 .. -3650, from the secret."""
        digest = hmac.new(self.settings.secret.encode(), b"dates\x1f" + self.patient_key.encode("utf-8"),
                          hashlib.sha256).digest()
        return timedelta(days=-(365 + int.from_bytes(digest[:4], "big") % 3286))

    def strip_identifiers(self, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, str) and hasattr(value, "__iter__"):
            return [self.strip_identifiers(v) for v in value]
        text = str(value)
        for ident in self.identifiers:
            text = re.sub(re.escape(ident), "*" * min(len(ident), 3), text, flags=re.I)
        return text

    def replace_document(self, ds: Dataset, elem: DataElement) -> None:
        if not self.settings.replace_documents:
            raise InputError("holds an encapsulated document whose content cannot be de-identified",
                             hint="--replace-documents replaces it with a placeholder document")
        mime = str(ds.get("MIMETypeOfEncapsulatedDocument", "") or "")
        data = placeholder_pdf() if "pdf" in mime.lower() or not mime else b"<removed>document removed by de-identification</removed>"
        if len(data) % 2:
            data += b"\x00" if "pdf" not in mime.lower() and mime else b"\n"
        elem.value = data
        if "EncapsulatedDocumentLength" in ds:
            ds.EncapsulatedDocumentLength = len(data.rstrip(b"\x00"))


# dicomhelp's additions to Table E.1-1, where the table would leak or break an object:
ADDITIONS: dict[int, ps315.Rule] = {
    # Free text of a content item, wherever it appears (E.1-1 covers it only via Content Sequence).
    TEXT_VALUE: ps315.Rule("0040A160", "Text Value", "D", {}, False),
    # A presentation state's free-text description (not listed; Type 2): a descriptor.
    0x00700081: ps315.Rule("00700081", "Content Description", "Z", {ps315.CLEAN_DESCRIPTORS: "C"}, False),
    # Listed as X but Type 1 in every presentation state: a dummy keeps the object valid.
    0x00700082: ps315.Rule("00700082", "Presentation Creation Date", "D",
                           {ps315.RETAIN_FULL_DATES: "K", ps315.RETAIN_MODIFIED_DATES: "C"}, False),
    0x00700083: ps315.Rule("00700083", "Presentation Creation Time", "D",
                           {ps315.RETAIN_FULL_DATES: "K", ps315.RETAIN_MODIFIED_DATES: "C"}, False),
}

@lru_cache(maxsize=64)
def _unknown_public(tag: int) -> bool:
    """A public element no dictionary (current or retired, repeating groups included) lists."""
    from pydicom.datadict import dictionary_has_tag, repeater_has_tag

    group = tag >> 16
    return group % 2 == 0 and tag & 0xFFFF != 0 and not dictionary_has_tag(tag) and not repeater_has_tag(tag)


def _iod_modules(sop_class: str) -> frozenset[str] | None:
    """The module ids of the object's IOD, from the knowledge layer; None when unknown."""
    if not sop_class:
        return None
    try:
        from dicomhelp.standard import knowledge

        iod = knowledge().iod_for_sop_class(sop_class)
    except Exception:  # the knowledge index is optional here: fall back to keeping attributes
        return None
    return frozenset(m.module_id for m in iod.modules) if iod is not None else None


@lru_cache(maxsize=4096)
def _required_type(tag: int, modules: frozenset[str]) -> str:
    """ "1", "2" or "3": the strongest type of a top-level ``tag`` in the IOD's modules.

    1C/2C count as 1/2: the attribute is in the source, so its condition presumably holds.
    """
    from dicomhelp.standard import knowledge

    types = {str(u.type)[:1] for u in knowledge().attribute_uses(tag) if u.module_id in modules and not u.path}
    for t in ("1", "2"):
        if t in types:
            return t
    return "3"


_CONTENT_VALUE_TAGS = {0x0040A160, 0x0040A123, 0x0040A121, 0x0040A122, 0x0040A120, 0x0040A124, 0x0040A30A}


def _listed_safe(ds: Dataset, tag: int) -> bool:
    """Is this private element in Table E.3.10-1 (by group, creator and element byte, at any depth)?"""
    from dicomhelp.paths import element_step

    step = element_step(ds, tag)
    if step.creator is None:
        return False
    return (tag >> 16, step.creator, tag & 0xFF) in ps315.load_safe_private()[1]


def _drop_empty_private_blocks(ds: Dataset) -> None:
    """Remove private creators whose block lost every element."""
    for tag in [int(t) for t in ds.keys()]:
        group, elem = tag >> 16, tag & 0xFFFF
        if group % 2 == 1 and 0x0010 <= elem <= 0x00FF:
            low = (group << 16) | (elem << 8)
            if not any(low <= int(t) <= low + 0xFF for t in ds.keys()):
                del ds[tag]


def _identifying_values(ds: Dataset, table: ps315.Table) -> list[str]:
    """Values of this file that the table removes or empties: what cleaned text must not contain."""
    found: set[str] = set()
    for elem in ds.iterall():
        if str(elem.VR) not in FREE_TEXT_VRS and str(elem.VR) not in ("DA", "DT"):
            continue
        rule = table.rule(int(elem.tag))
        if rule is None or rule.basic in ("K", "C") or ps315.CLEAN_DESCRIPTORS in rule.options or not elem.value:
            continue  # descriptors are what gets cleaned, not what identifies
        values = list(elem.value) if isinstance(elem.value, list) or type(elem.value).__name__ == "MultiValue" \
            else [elem.value]
        for v in values:
            text = str(v).strip()
            parts = [text] + [p for p in re.split(r"[\^= ]+", text) if len(p) >= 3]
            found.update(p for p in parts if len(p) >= 3)
    return sorted(found, key=len, reverse=True)


def _shift_dates(value: Any, vr: str, offset: timedelta) -> Any:
    if value is None or value == "":
        return value
    if not isinstance(value, str):
        return [_shift_dates(v, vr, offset) for v in value]
    text = str(value).strip()
    try:
        if vr == "DA" and len(text) >= 8:
            return (datetime.strptime(text[:8], "%Y%m%d") + offset).strftime("%Y%m%d")
        if vr == "DT" and len(text) >= 8:
            return (datetime.strptime(text[:8], "%Y%m%d") + offset).strftime("%Y%m%d") + text[8:]
    except ValueError:
        return DUMMY_BY_VR[vr]
    return DUMMY_BY_VR[vr]


def placeholder_pdf() -> bytes:
    """A one-page PDF that says the document was removed (well-formed, with a correct xref)."""
    text = "(Document removed by de-identification \\(dicomhelp\\)) Tj"
    stream = f"BT /F1 14 Tf 72 720 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def options_for(ds: Dataset, settings: Settings) -> frozenset[str]:
    """The settings' options plus the clean defaults for SR and presentation states."""
    sop = str(ds.get("SOPClassUID", "") or "")
    options = set(settings.options)
    if settings.clean_sr and (sop.startswith(SR_PREFIX) or CONTENT_SEQUENCE in ds):
        options.add(ps315.CLEAN_STRUCTURED_CONTENT)
    if settings.clean_ps and (sop.startswith(PS_PREFIX) or 0x00700001 in ds):
        options.add(ps315.CLEAN_GRAPHICS)
    return frozenset(options)


def anonymize_dataset(ds: Dataset, settings: Settings, *, uids: UIDMapper | None = None) -> Outcome:
    """De-identify ``ds`` in place; return the options used and any warnings."""
    from pydicom import Dataset as _Dataset

    from dicomhelp import __version__
    from dicomhelp.paths import resolve
    from dicomhelp.uids import UIDPolicy

    uids = uids or UIDMapper(UIDPolicy(root=settings.uid_root, seed=settings.secret))
    options = options_for(ds, settings)
    outcome = Outcome(source="", options=sorted(options))
    run = _Run(ds, settings, options, uids)
    for edit in settings.edits:
        if edit.action is Action.KEEP:
            run.keep_ids.update(id(m.element) for m in resolve(ds, list(edit.steps)) if m.element is not None)
    for path in settings.safe_private:
        run.safe_ids.update(id(m.element) for m in resolve(ds, path) if m.element is not None)
    burned = str(ds.get("BurnedInAnnotation", "") or "").upper()
    if any(t in ds for t in PIXEL_TAGS) and burned != "NO":
        outcome.warnings.append(
            "Burned In Annotation is " + (f"'{burned}'" if burned else "absent")
            + ": text in the pixels (names, dates) is not removed by header de-identification; check the images")
    run.dataset(ds)
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        for tag in META_IDENTIFYING:
            if tag in meta:
                del meta[tag]
        if "SOPInstanceUID" in ds and "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = [f"dicomhelp {__version__}", f"PS3.15 E.1-1 {run.table.edition}"]
    codes = []
    for value, meaning in [ps315.BASIC_CODE] + [ps315.OPTION_CODES[o] for o in sorted(options)]:
        item = _Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        codes.append(item)
    ds.DeidentificationMethodCodeSequence = codes
    ds.LongitudinalTemporalInformationModified = (
        "UNMODIFIED" if ps315.RETAIN_FULL_DATES in options
        else "MODIFIED" if ps315.RETAIN_MODIFIED_DATES in options else "REMOVED")
    changes = [e for e in settings.edits if e.action is not Action.KEEP]
    if changes:
        apply_edits(ds, changes, uids=uids)
    outcome.uid_map = dict(uids.mapping)
    return outcome


# -- files and folders ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    source: str
    target: str  # a file; in folder mode the staging file of io.OutputFolder
    name_by_uid: bool = False
    name: str | None = None  # in folder mode with --keep-names: the input's path relative to its folder


def anonymize_file(job: Job, settings: Settings) -> Outcome:
    """Read, de-identify and write one file; errors become :attr:`Outcome.error` (one line)."""
    from dicomhelp.io import quiet_pydicom

    with quiet_pydicom():  # odd values are pydicom warnings on stderr, in every worker process
        return _anonymize_file(job, settings)


def _anonymize_file(job: Job, settings: Settings) -> Outcome:
    from dicomhelp.edit.files import read_for_edit, write_like_source
    from dicomhelp.uids import UIDPolicy

    outcome = Outcome(source=job.source)
    try:
        ds = read_for_edit(job.source)
        _refuse_out_of_order(job.source, ds)
        uids = UIDMapper(UIDPolicy(root=settings.uid_root, seed=settings.secret))
        try:
            done = anonymize_dataset(ds, settings, uids=uids)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # A damaged file whose values do not have the form their tags need (a sequence read as
            # text, a UID as a number: found by the fuzzer); nothing is written for it.
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise InputError(f"cannot be de-identified: an element does not have the form its tag needs "
                             f"({detail})", source=job.source, hint="repair or re-export the file first") from None
        target = Path(job.target)
        write_like_source(ds, target)
        done.source, done.target = job.source, str(target)
        done.name = f"{ds.get('SOPInstanceUID') or Path(job.source).name}.dcm" if job.name_by_uid else job.name
        return done
    except DicomHelpError as exc:
        outcome.error = exc.one_line() if exc.source else f"{job.source}: {exc.one_line()}"
        return outcome


def _refuse_out_of_order(source: str, ds: Dataset) -> None:
    """Elements out of ascending order mean a damaged tag; a Patient ID flipped into another known tag
    ((0010,0020) into (0016,0020), found by the fuzzer) would pass the profile as a kept attribute."""
    from dicomhelp.io import scan_structure

    implicit, little = getattr(ds, "original_encoding", (None, None))
    hint = (bool(implicit), bool(little)) if implicit is not None and little is not None else None
    with open(source, "rb") as fp:
        found = scan_structure(fp, os.fstat(fp.fileno()).st_size, hint=hint).out_of_order
    if found is not None:
        raise InputError(f"elements out of ascending order at ({found >> 16:04X},{found & 0xFFFF:04X}): a damaged "
                         "tag could carry identifying data under another name", source=source,
                         hint="repair or re-export the file first")


def _worker(args: tuple[Job, Settings]) -> Outcome:
    return anonymize_file(*args)


def _anonymize_one(settings: Settings, job: Job) -> Outcome:
    return anonymize_file(job, settings)


def plan_jobs(source: str | os.PathLike[str], target: str | os.PathLike[str], *, keep_names: bool,
              folder: OutputFolder | None = None, files: list[Path] | None = None) -> list[Job]:
    """One job per input file: a file to a file, a folder into ``folder`` (staged, placed by its rule).

    ``files``: only these files of the folder ``source`` (``--files-from``), in their order.
    """
    from dicomhelp.io import iter_files

    src, out = Path(source), Path(target)
    if not src.exists():
        raise UsageError("no such file or folder", source=str(src), hint="check the path")
    if src.is_file() and files is not None:
        raise UsageError("--files-from needs the folder the listed files are in, not a file", source=str(src))
    if src.is_file():
        if out.is_dir():
            out = out / src.name
        if out.resolve() == src.resolve():
            raise UsageError("the output is the input file: the original would be lost", source=str(out),
                             hint="give another output file or folder")
        from dicomhelp.edit.files import check_output_file

        check_output_file(out)
        return [Job(str(src), str(out))]
    if out.exists() and not out.is_dir():
        raise UsageError("is a file; the output of a folder must be a folder", source=str(out))
    if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
        raise UsageError("the output folder must not be the input folder or inside it", source=str(out))
    if folder is None:
        raise UsageError("a folder is written through an output folder", hint="pass folder=OutputFolder(...)")
    jobs = []
    for f in iter_files([src]) if files is None else _listed_inside(src, files):
        if f.name.upper() == "DICOMDIR":
            continue  # an index of the original files: it names the patient and the old paths
        name = str(f.relative_to(src)) if keep_names else None
        jobs.append(Job(str(f), str(folder.stage()), name_by_uid=not keep_names, name=name))
    return jobs


def _lost(job: Job, message: str) -> Outcome:
    """A job the cluster could not do (its worker died twice): reported, nothing written for it."""
    return Outcome(source=job.source, error=f"{job.source}: not de-identified: {message}")


def _listed_inside(folder: Path, files: list[Path]) -> Iterator[Path]:
    """The listed files, each of which must be inside ``folder`` (its place there names the output)."""
    root = folder.resolve()
    for f in files:
        if root not in f.resolve().parents:
            raise UsageError(f"listed, but not inside the input folder {folder}", source=str(f),
                             hint="list files of the input folder, as `find FOLDER -type f` prints them")
        if not f.is_file():
            raise UsageError("listed, but no such file", source=str(f), hint="check the file list")
        yield folder / f.resolve().relative_to(root)


def place_outputs(results: list[Outcome], folder: OutputFolder) -> None:
    """Place each staged output in input order (deterministic suffixes); ``target`` becomes its final path."""
    for r in results:
        if r.error is not None or r.target is None or r.name is None:
            folder.fail(r.source, r.error or f"{r.source}: not written")
            continue
        placed = folder.place(r.target, r.name, r.source)
        r.target = str(placed.output)


def run_jobs(jobs: list[Job], settings: Settings, *, workers: int = 0,
             progress: Callable[[Outcome], None] | None = None, cluster: str | None = None) -> list[Outcome]:
    """De-identify every job, in parallel processes for folders (``workers`` 0: one per core, at most 2).

    ``cluster``: a Dask scheduler's address or ``local:N`` (:mod:`dicomhelp.cluster`); the
    new UIDs and dummy IDs come from the secret, so every worker maps a UID the same way.
    """
    results: list[Outcome] = []
    if cluster:
        from functools import partial

        from dicomhelp.cluster import run

        for outcome in run(partial(_anonymize_one, settings), jobs, address=cluster, lost=_lost):
            results.append(outcome)
            if progress:
                progress(outcome)
        return results
    count = workers or min(2, os.cpu_count() or 1)
    if count <= 1 or len(jobs) < 4:
        for job in jobs:
            results.append(anonymize_file(job, settings))
            if progress:
                progress(results[-1])
        return results
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=count) as pool:
        for outcome in pool.map(_worker, [(j, settings) for j in jobs], chunksize=4):
            results.append(outcome)
            if progress:
                progress(outcome)
    return results


def write_mapping(results: Iterable[Outcome], path: str | os.PathLike[str]) -> Path:
    """old UID -> new UID as CSV; it re-identifies, so it is written only when asked for."""
    from dicomhelp.io import write_bytes_atomic

    merged: dict[str, str] = {}
    for r in results:
        merged.update(r.uid_map)
    lines = ["old_uid,new_uid"] + [f"{old},{new}" for old, new in sorted(merged.items())]
    try:
        return write_bytes_atomic(("\n".join(lines) + "\n").encode("ascii"), path)
    except OSError as exc:
        raise UsageError(f"cannot write the mapping here: {exc.strerror or exc}", source=str(path),
                         hint="choose a file in a folder you can write to") from None


def new_secret() -> str:
    return os.urandom(16).hex()
