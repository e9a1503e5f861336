"""SR content items in plain words: a concept name with its value, a dump line, a code in its file.

Three readers share one way of saying things:

- :func:`item_words` for a content item (from a file, or a node of ``dump``'s tree):
  "Document Title Modifier = AI-Rad CT Cardio (CHESTCT0304, 99SHSAIRC): qualifies
  the report's title ...; the value is a private code ...";
- :func:`line_answer` for one line of the seed's dump layout
  (``CS (0040, a010) RelationshipType HAS CONCEPT MOD``);
- :func:`in_file` for ``explain TERM --in FILE``: where the code or scheme occurs
  in the file, with the file's Coding Scheme Identification Sequence entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dicomhelp.standard import codes, srterms
from dicomhelp.standard.knowledge import Knowledge

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.inspect.tree import Node

# The seed's layout: "CS (0040, a010)" + 8 spaces per level + keyword + value; "SQ ... Keyword(n)";
# "1.1 -----------    1" before an SR content item.
_LINE = re.compile(r"^\s*(?P<vr>[A-Z]{2}|\?\?)\s+\((?P<group>[0-9a-fA-F]{4}),\s*(?P<element>[0-9a-fA-F]{4})\)\s+"
                   r"(?P<keyword>[A-Za-z][A-Za-z0-9]*|\[[^\]]*\])(?:\((?P<count>\d+)\))?(?:\s+(?P<value>.*?))?\s*$")
_SEPARATOR = re.compile(r"^\s*(?P<position>\d+(?:\.\d+)*)\s+-{3,}\s+(?P<index>\d+)\s*$")
_ITEM_KEYWORDS = ("RelationshipType", "ValueType")


@dataclass
class Coded:
    value: str
    scheme: str
    meaning: str

    def triplet(self) -> str:
        return f"({self.value}, {self.scheme}, \"{self.meaning}\")"


@dataclass
class ItemFacts:
    """What a content item says, however it was read."""

    position: str | None = None
    relationship: str | None = None
    value_type: str | None = None
    concept: Coded | None = None
    code: Coded | None = None  # CODE value
    number: str | None = None  # NUM value
    unit: Coded | None = None
    text: str | None = None  # TEXT, UIDREF, PNAME, DATE/TIME values
    template: str | None = None  # TemplateIdentifier of the item's Content Template Sequence
    children: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# -- reading items ----------------------------------------------------------------------

def facts_from_dataset(item: Dataset, position: str | None = None) -> ItemFacts:
    """The facts of one content item of a pydicom dataset (lenient: missing parts stay None)."""
    facts = ItemFacts(position=position, relationship=_text(_el(item, "RelationshipType")),
                      value_type=_text(_el(item, "ValueType")))
    facts.concept = _coded(_el(item, "ConceptNameCodeSequence"))
    facts.code = _coded(_el(item, "ConceptCodeSequence"))
    measured = _el(item, "MeasuredValueSequence")
    if measured is not None and getattr(measured, "VR", "") == "SQ" and measured.value:
        first = measured.value[0]
        facts.number = _text(_el(first, "NumericValue"))
        facts.unit = _coded(_el(first, "MeasurementUnitsCodeSequence"))
    for keyword in ("TextValue", "UID", "PersonName", "DateTime", "Date", "Time"):
        if keyword in item:
            facts.text = _text(_el(item, keyword))
            break
    template = _el(item, "ContentTemplateSequence")
    if template is not None and getattr(template, "VR", "") == "SQ" and template.value:
        facts.template = _text(_el(template.value[0], "TemplateIdentifier"))
    content = _el(item, "ContentSequence")
    facts.children = len(content.value) if content is not None and getattr(content, "VR", "") == "SQ" else 0
    return facts


def facts_from_node(node: Node) -> ItemFacts:
    """The facts of an item node of ``dump``'s tree (values as the dump shows them)."""
    facts = ItemFacts(position=node.sr_position)
    for child in node.children:
        keyword = child.keyword
        if keyword == "RelationshipType":
            facts.relationship = child.value
        elif keyword == "ValueType":
            facts.value_type = child.value
        elif keyword == "ConceptNameCodeSequence":
            facts.concept = _coded_node(child)
        elif keyword == "ConceptCodeSequence":
            facts.code = _coded_node(child)
        elif keyword == "MeasuredValueSequence" and child.children:
            for element in child.children[0].children:
                if element.keyword == "NumericValue":
                    facts.number = element.value
                elif element.keyword == "MeasurementUnitsCodeSequence":
                    facts.unit = _coded_node(element)
        elif keyword in ("TextValue", "UID", "PersonName", "DateTime", "Date", "Time"):
            facts.text = child.value
        elif keyword == "ContentTemplateSequence" and child.children:
            for element in child.children[0].children:
                if element.keyword == "TemplateIdentifier":
                    facts.template = element.value
        elif keyword == "ContentSequence":
            facts.children = child.count
    return facts


def _el(ds: Any, keyword: str) -> Any:
    """The element (not its value, as ``Dataset.get`` gives) or None; never raises on a bad value."""
    try:
        return ds.data_element(keyword) if keyword in ds else None
    except Exception:
        return None


def _text(element: Any) -> str | None:
    if element is None or element.value is None:
        return None
    value = element.value
    if isinstance(value, (list, tuple)):
        value = "\\".join(str(v) for v in value)
    return str(value).strip() or None


def _coded(element: Any) -> Coded | None:
    if element is None or getattr(element, "VR", "") != "SQ" or not element.value:
        return None
    item = element.value[0]
    value = _text(_el(item, "CodeValue")) or _text(_el(item, "LongCodeValue")) or _text(_el(item, "URNCodeValue"))
    scheme = _text(_el(item, "CodingSchemeDesignator")) or ""
    if value is None:
        return None
    return Coded(value, scheme, _text(_el(item, "CodeMeaning")) or "")


def _coded_node(node: Node) -> Coded | None:
    if not node.children:
        return None
    parts = {c.keyword: c.value for c in node.children[0].children}
    value = parts.get("CodeValue") or parts.get("LongCodeValue") or parts.get("URNCodeValue")
    if not value:
        return None
    return Coded(value, parts.get("CodingSchemeDesignator", ""), parts.get("CodeMeaning", ""))


# -- saying them ------------------------------------------------------------------------

def file_schemes(ds: Dataset) -> dict[str, dict[str, str]]:
    """The file's Coding Scheme Identification Sequence (0008,0110): designator -> what it says."""
    out: dict[str, dict[str, str]] = {}
    seq = _el(ds, "CodingSchemeIdentificationSequence")
    if seq is None or getattr(seq, "VR", "") != "SQ":
        return out
    for item in seq.value or ():
        designator = _text(_el(item, "CodingSchemeDesignator"))
        if not designator:
            continue
        entry = {}
        for keyword in ("CodingSchemeName", "CodingSchemeVersion", "CodingSchemeResponsibleOrganization",
                        "CodingSchemeUID", "CodingSchemeExternalID", "CodingSchemeURL"):
            value = _text(_el(item, keyword))
            if value:
                entry[keyword] = value
        out[designator] = entry
    return out


def concept_words(k: Knowledge, concept: Coded) -> str:
    """What a concept name is for: dicomhelp's note, else its PS3.16 definition, else where the standard uses it."""
    note = codes.code_note(concept.scheme, concept.value)
    if note:
        return note
    if codes.is_private_scheme(concept.scheme):
        return f"a concept of the private scheme {concept.scheme}: the writer defines it"
    definition = codes.definition_words(k, concept.scheme, concept.value)
    if definition:
        return f"{definition} (PS3.16 Annex D)"
    facts = codes.code_facts(k, concept.scheme, concept.value)
    if facts is None:
        return f"a code dicomhelp does not know in {concept.scheme}"
    return facts["purpose"]


def code_value_words(k: Knowledge, code: Coded, schemes: dict[str, dict[str, str]] | None = None,
                     compact: bool = False) -> str | None:
    """What a coded value is: known (with its note), or a private code (with the file's scheme entry)."""
    if codes.is_private_scheme(code.scheme):
        entry = (schemes or {}).get(code.scheme)
        declared = ""
        if entry:
            named = entry.get("CodingSchemeName") or entry.get("CodingSchemeResponsibleOrganization")
            declared = f"; the file declares {code.scheme} as \"{named}\"" if named else \
                f"; the file declares {code.scheme} without a name"
        elif schemes is not None:
            declared = f"; the file does not declare {code.scheme} in its Coding Scheme Identification Sequence"
        return f"here a vendor-private code of {code.scheme} (its meaning is only what the file says){declared}"
    facts = codes.scheme_facts(k, code.scheme)
    name = facts["name"] or code.scheme
    info = k.code(code.scheme, code.value)
    if info is None:
        if code.scheme in _OPEN_SCHEMES:  # whole vocabularies no dictionary lists: every tag is a value
            return None if compact else f"a value of {name}"
        return f"a {name} code that dicomhelp's dictionaries do not list"
    if compact:
        return None if info.meaning == code.meaning or not code.meaning else \
            f"the standard's meaning is \"{info.meaning}\""
    note = codes.code_note(info.scheme, info.value) or codes.definition_words(k, info.scheme, info.value)
    words = f"a {name} code"
    if info.meaning != code.meaning and code.meaning:
        words += f" (the standard's meaning is \"{info.meaning}\")"
    return f"{words}: {note}" if note else words


def _defined_as(k: Knowledge, scheme: str, value: str) -> str:
    definition = codes.definition_words(k, scheme, value)
    return f", defined by PS3.16 Annex D as \"{definition}\"" if definition else ""


_OPEN_SCHEMES = frozenset({"RFC5646", "ISO3166_1", "ISO639_1", "ISO639_2", "UCUM", "DCMUID"})


def item_words(k: Knowledge, facts: ItemFacts, schemes: dict[str, dict[str, str]] | None = None,
               compact: bool = False) -> str:
    """One sentence: "Concept = value: what the concept is for; what the value is".

    ``compact`` (for a dump line) keeps the first clause of the concept's note and
    says something about the value only where it matters (private, unknown, renamed).
    """
    name = facts.concept.meaning if facts.concept else "(no concept name)"
    value, value_note = _value(k, facts, schemes, compact)
    head = f"{name} = {value}" if value else name
    parts = []
    if facts.concept:
        words = concept_words(k, facts.concept)
        if compact:
            words = "" if words.startswith(("neither", "\"")) else words.split("; ")[0]
        if words:
            parts.append(words)
    if facts.value_type == "CONTAINER" and not facts.concept:
        parts.append("a container without a heading")
    if value_note:
        parts.append(value_note)
    return f"{head}: {'; '.join(parts)}" if parts else head


def _value(k: Knowledge, facts: ItemFacts, schemes: dict[str, dict[str, str]] | None,
           compact: bool) -> tuple[str, str | None]:
    vt = facts.value_type or ""
    if vt == "CODE" and facts.code:
        return f"{facts.code.meaning} ({facts.code.value}, {facts.code.scheme})", code_value_words(
            k, facts.code, schemes, compact)
    if vt == "NUM" and facts.number is not None:
        unit = facts.unit.value if facts.unit else ""
        words = codes.unit_words(unit) if facts.unit and facts.unit.scheme == "UCUM" else None
        return f"{facts.number} {unit}".strip(), f"the unit {unit} is {words}" if words else None
    if vt == "CONTAINER":
        tid = f", built by TID {facts.template}" if facts.template else ""
        return "", f"a heading over {facts.children} item(s){tid}"
    if facts.text is not None:
        return facts.text, None
    term = srterms.value_type(vt)
    if compact:
        return "", f"a reference ({vt})" if vt in ("IMAGE", "COMPOSITE", "WAVEFORM") else None
    return "", f"a {vt} item: {term.meaning}" if term else None


# -- one line of the seed's layout -----------------------------------------------------------

def parse_line(text: str) -> dict[str, Any] | None:
    """The parts of one dump line, or None when ``text`` is not in the seed's layout."""
    m = _SEPARATOR.match(text)
    if m:
        return {"separator": True, "position": m.group("position"), "index": int(m.group("index"))}
    m = _LINE.match(text)
    if not m:
        return None
    return {"separator": False, "vr": m.group("vr"), "tag": int(m.group("group") + m.group("element"), 16),
            "keyword": m.group("keyword"), "count": int(m.group("count")) if m.group("count") else None,
            "value": m.group("value") or ""}


def line_answer(k: Knowledge, text: str) -> dict[str, Any] | None:
    parts = parse_line(text)
    if parts is None:
        return None
    if parts["separator"]:
        position = parts["position"]
        depth = position.count(".")
        parent = position.rsplit(".", 1)[0] if depth else None
        words = (f"SR content item {position}: item {parts['index']} of the Content Sequence of item {parent}"
                 if parent else f"SR content item {position}: the document root")
        return {"kind": "line", "line": text.strip(), "element": None, "value_words": words,
                "links": {"PS3.3 C.17.3": f"{srterms.NEMA}/part03/sect_C.17.3.html"}}
    tag = parts["tag"]
    info = k.attribute(tag)
    if info is None:
        return {"kind": "line", "line": text.strip(), "element": None,
                "value_words": f"({tag >> 16:04X},{tag & 0xFFFF:04X}) is a private or unknown element: "
                               "its meaning is in the vendor's conformance statement", "links": {}}
    keyword = info.keyword
    words = value_words(k, keyword, parts["value"], parts["count"])
    links = {"PS3.6": f"{srterms.NEMA}/part06/chapter_6.html"}
    if keyword == "RelationshipType":
        links[srterms.RELATIONSHIP_SECTION] = srterms.RELATIONSHIP_LINK
    elif keyword == "ValueType":
        links[srterms.VALUE_TYPE_SECTION] = srterms.VALUE_TYPE_LINK
    elif keyword == "CodingSchemeDesignator":
        links["PS3.16 Section 8"] = codes.SCHEMES_LINK
    return {"kind": "line", "line": text.strip(), "vr": parts["vr"],
            "element": {"tag": f"({tag >> 16:04X},{tag & 0xFFFF:04X})", "keyword": keyword, "name": info.name,
                        "brief": k.brief(tag)},
            "value": parts["value"], "count": parts["count"], "value_words": words, "links": links}


def value_words(k: Knowledge, keyword: str, value: str, count: int | None = None) -> str | None:
    """Plain words for the value an element has (None when there is nothing to add to the element's own)."""
    value = value.strip()
    if count is not None:
        return f"a sequence of {count} item(s)" + (
            ": the content items below this one (their relationship to it is in each item's Relationship Type)"
            if keyword == "ContentSequence" else "")
    if not value:
        return "empty"
    if keyword == "RelationshipType":
        term = srterms.relationship(value)
        return (f"{value}, a relationship type ({srterms.RELATIONSHIP_SECTION}): {term.meaning}" if term
                else f"{value} is not a relationship type of {srterms.RELATIONSHIP_SECTION}")
    if keyword == "ValueType":
        term = srterms.value_type(value)
        return (f"{value}, a value type ({srterms.VALUE_TYPE_SECTION}): {term.meaning}" if term
                else f"{value} is not a value type of {srterms.VALUE_TYPE_SECTION}")
    if keyword == "CodingSchemeDesignator":
        facts = codes.scheme_facts(k, value)
        if facts["private"]:
            return (f"{value}: a private coding scheme (the \"99\" prefix, PS3.16 Section 8): defined by the "
                    "organisation that wrote the file; its definition, if any, is in the file's Coding Scheme "
                    "Identification Sequence (0008,0110)")
        return codes.scheme_words(facts) + (f" ({facts['note']})" if facts["note"] else "")
    if keyword in ("CodeValue", "LongCodeValue"):
        schemes = k.schemes_for_code_value(value)
        found = [f"{s}: \"{info.meaning}\"" + _defined_as(k, s, value) for s in schemes
                 if (info := k.code(s, value)) is not None]
        if found:
            return f"code value {value}, known in {'; '.join(found)} (the Coding Scheme Designator beside it says which)"
        return (f"code value {value}: not in a scheme dicomhelp knows, so its meaning is the Code Meaning beside it "
                "(a private scheme's code, for example)")
    if keyword == "CodeMeaning":
        return f"\"{value}\": the meaning of the code for people; programs compare the code value and scheme, not this text"
    if keyword in srterms.FLAG_VALUES:
        meaning = srterms.FLAG_VALUES[keyword].get(value.upper())
        return f"{value}: {meaning}" if meaning else None
    if keyword in ("MappingResourceUID", "SOPClassUID", "ReferencedSOPClassUID", "CodingSchemeUID"):
        uid = k.uid(value)
        return f"{value}: {uid.name} ({uid.kind})" if uid else f"{value}: a UID of no registry dicomhelp knows"
    if keyword == "TemplateIdentifier" and value.isdigit():
        name = k.template_name(int(value))
        return (f"TID {value} {name}: the PS3.16 template this content follows (explain 'TID {value}' shows it)"
                if name else f"TID {value}: a PS3.16 template dicomhelp has no table of")
    return None


# -- a term in the context of a file ------------------------------------------------------------

def in_file(k: Knowledge, ds: Dataset, scheme: str | None, value: str | None) -> dict[str, Any]:
    """Where a code (scheme + value, scheme may be None) or a whole scheme (value None) occurs in ``ds``."""
    from dicomhelp.inspect.srtree import iter_content_items, is_sr

    schemes = file_schemes(ds)
    occurrences = []
    if is_sr(ds):
        for ref in iter_content_items(ds):
            facts = facts_from_dataset(ref.item, ref.position)
            roles = [role for role, code in (("concept name", facts.concept), ("value", facts.code),
                                             ("unit", facts.unit))
                     if code is not None and _matches(code, scheme, value)]
            if roles:
                occurrences.append({"position": ref.position, "roles": roles, "relationship": facts.relationship,
                                    "value_type": facts.value_type, "words": item_words(k, facts, schemes)})
    entry_scheme = scheme
    if entry_scheme is None and occurrences:
        entry_scheme = next((o for o in _codes_in(ds) if _matches(o, None, value)), Coded("", "", "")).scheme
    return {"schemes_declared": schemes, "scheme_entry": schemes.get(entry_scheme or ""),
            "scheme": entry_scheme, "occurrences": occurrences}


def _matches(code: Coded, scheme: str | None, value: str | None) -> bool:
    if scheme is not None and code.scheme.upper() != scheme.upper():
        return False
    return value is None or code.value == value


def _codes_in(ds: Dataset) -> list[Coded]:
    from dicomhelp.inspect.srtree import iter_content_items

    found = []
    for ref in iter_content_items(ds):
        facts = facts_from_dataset(ref.item)
        found += [c for c in (facts.concept, facts.code, facts.unit) if c is not None]
    return found
