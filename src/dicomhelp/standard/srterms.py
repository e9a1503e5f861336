"""The words of an SR content tree in plain language (PS3.3 C.17.3).

Relationship types (PS3.3 C.17.3.2.4), value types (C.17.3.2.1) and the
document flags of the SR Document General Module (C.17.2), written for a
beginner: what the term says about the items it joins or holds. Hand-written,
like :mod:`.vrs`; the section numbers are those of the current PS3.3.
"""

from __future__ import annotations

from dataclasses import dataclass

NEMA = "https://dicom.nema.org/medical/dicom/current/output/chtml"
RELATIONSHIP_SECTION = "PS3.3 C.17.3.2.4"
VALUE_TYPE_SECTION = "PS3.3 C.17.3.2.1"
RELATIONSHIP_LINK = f"{NEMA}/part03/sect_C.17.3.2.4.html"
VALUE_TYPE_LINK = f"{NEMA}/part03/sect_C.17.3.2.html"


@dataclass(frozen=True)
class Term:
    name: str
    meaning: str  # one sentence, plain words
    example: str | None = None
    short: str | None = None  # a few words, for one line of a dump


RELATIONSHIP_TYPES: dict[str, Term] = {t.name: t for t in (
    Term("CONTAINS", "the child is part of the parent's content: a section holds its findings, a measurement "
         "group holds its measurements", "Imaging Measurements CONTAINS Measurement Group", "part of its parent"),
    Term("HAS OBS CONTEXT", "the child says who or what made the parent's observations, about whom, and when "
         "(observation context); it applies to the parent and everything below it",
         "Measurement Report HAS OBS CONTEXT Observer Type = Device", "who or what observed"),
    Term("HAS ACQ CONTEXT", "the child describes the conditions under which the data the parent refers to were "
         "acquired (acquisition context)", "an image HAS ACQ CONTEXT Contrast Agent", "how the data were acquired"),
    Term("HAS CONCEPT MOD", "the child qualifies or refines the parent's concept name (a concept modifier): it "
         "changes what the parent is about, such as a title modifier, the language or a laterality",
         "Measurement Report HAS CONCEPT MOD Language of Content Item and Descendants = English",
         "qualifies its parent's concept"),
    Term("HAS PROPERTIES", "the child is a property of the parent: a finding has a size, a shape, a severity",
         "Finding HAS PROPERTIES Margin = Spiculated", "a property of its parent"),
    Term("INFERRED FROM", "the parent was concluded or computed from the child: a measurement inferred from a "
         "region, a finding inferred from an image", "Diameter INFERRED FROM an SCOORD region", "its parent was inferred from it"),
    Term("SELECTED FROM", "the parent (coordinates) was selected on the child (the image or waveform the points "
         "lie on)", "Image Region SELECTED FROM a CT image", "what its parent was selected on"),
)}

VALUE_TYPES: dict[str, Term] = {t.name: t for t in (
    Term("CONTAINER", "a heading that groups the items below it (the document root is one); its concept name "
         "is the heading"),
    Term("CODE", "a coded answer: the value is a code (value, scheme, meaning) in Concept Code Sequence"),
    Term("NUM", "a number with its unit (UCUM) in Measured Value Sequence"),
    Term("TEXT", "free text in Text Value"),
    Term("DATETIME", "a date and time"),
    Term("DATE", "a date"),
    Term("TIME", "a time of day"),
    Term("UIDREF", "a UID (for example the Tracking Unique Identifier or the Device Observer UID)"),
    Term("PNAME", "a person's name"),
    Term("COMPOSITE", "a reference to another DICOM object (by SOP class and instance UID)"),
    Term("IMAGE", "a reference to an image (and, optionally, some of its frames)"),
    Term("WAVEFORM", "a reference to a waveform object (and, optionally, some of its channels)"),
    Term("SCOORD", "spatial coordinates: a point, polyline, circle or ellipse in the pixel space of an image, "
         "which a SELECTED FROM child names"),
    Term("SCOORD3D", "spatial coordinates in the patient's 3D coordinate system (millimetres, a frame of "
         "reference)"),
    Term("TCOORD", "temporal coordinates: points or ranges in time of a waveform or multi-frame image"),
    Term("TABLE", "a table of values"),
)}

# SR Document General Module (PS3.3 C.17.2) and Document Relationship Macro flags.
FLAG_VALUES: dict[str, dict[str, str]] = {
    "CompletionFlag": {
        "COMPLETE": "the content is complete: nothing is to be added",
        "PARTIAL": "the content is not complete yet (more may be added in a later version)",
    },
    "VerificationFlag": {
        "UNVERIFIED": "no one has verified (signed off) the content; an AI result is typically unverified",
        "VERIFIED": "a named Verifying Observer has verified the content and takes responsibility for it",
    },
    "PreliminaryFlag": {
        "PRELIMINARY": "a preliminary report: it may change",
        "FINAL": "the final version of the report",
    },
    "ContinuityOfContent": {
        "SEPARATE": "the items of this container are separate statements",
        "CONTINUOUS": "the items of this container are one continuous text, read in order",
    },
    "MappingResource": {
        "DCMR": "the DICOM Content Mapping Resource (PS3.16): the template numbers are PS3.16's TIDs",
        "SDM": "the SNOMED DICOM Microglossary (retired)",
    },
}


def relationship(name: str) -> Term | None:
    return RELATIONSHIP_TYPES.get(" ".join(name.upper().split()))


def value_type(name: str) -> Term | None:
    return VALUE_TYPES.get(name.strip().upper())
