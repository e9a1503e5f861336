"""Codes and coding schemes in plain words: what `explain` says about a code, a scheme or a unit.

Everything here reads the knowledge layer only (no files): a code's meaning,
context groups (with extensibility), the template rows that use it, the
registered scheme it belongs to (PS3.16 Table 8-1) or the private-scheme rule
(designators starting with ``99``, and ``L``: PS3.16 Section 8 after HL7 v2
Table 0396; PS3.3 Section 8.2 and C.12.1), and UCUM units in words.
:mod:`.contentitems` puts codes in the context of a file or a dump line.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from dicomhelp.standard.knowledge import Knowledge

NEMA = "https://dicom.nema.org/medical/dicom/current/output/chtml"
SCHEMES_LINK = f"{NEMA}/part16/chapter_8.html"
CSIS_LINK = f"{NEMA}/part03/sect_C.12.html#sect_C.12.1.1.5"
PRIVATE_RULE = ("a private (local) coding scheme: designators that start with \"99\" (and \"L\") are reserved "
                "for codes an organisation defines itself (PS3.16 Section 8, after HL7 v2 Table 0396; "
                "PS3.3 Section 8.2)")
PRIVATE_WHERE = ("it is defined by the organisation that wrote the file; its name, version and owner, if given, "
                 "are in the file's Coding Scheme Identification Sequence (0008,0110) (PS3.3 C.12.1, SOP Common "
                 "Module), and the meaning of each code is the Code Meaning written beside it")
_MAX_USES = 12


def is_private_scheme(designator: str) -> bool:
    text = designator.strip()
    return text.startswith("99") or text == "L"


@lru_cache(maxsize=1)
def _notes() -> dict[str, str]:
    path = resources.files("dicomhelp").joinpath("data", "standard", "code_notes.json")
    with path.open("r", encoding="utf-8") as fh:
        return json.load(fh)["notes"]  # type: ignore[no-any-return]


def code_note(scheme: str, value: str) -> str | None:
    """dicomhelp's plain words for what the code is for (a hand-written note), if any."""
    return _notes().get(f"{scheme}:{value}")


def scheme_facts(k: Knowledge, designator: str) -> dict[str, Any]:
    """What a designator is: registered (name, UID, resource), private, or neither."""
    text = designator.strip()
    info = k.coding_scheme(text)
    if info is not None:
        return {"designator": info.designator, "registered": True, "private": False, "name": info.name,
                "uid": info.uid, "organization": info.organization, "resource": info.resource,
                "note": info.note, "retired": info.retired}
    if is_private_scheme(text):
        return {"designator": text, "registered": False, "private": True, "name": None, "uid": None,
                "organization": None, "resource": None, "note": PRIVATE_RULE, "retired": False}
    return {"designator": text, "registered": False, "private": False, "name": None, "uid": None,
            "organization": None, "resource": None, "retired": False,
            "note": "not in PS3.16 Table 8-1: it may be the symbolic name of a scheme in the HL7 registry "
                    "(allowed by PS3.16 Section 8) or a local designator without the 99 prefix; the file's "
                    "Coding Scheme Identification Sequence (0008,0110) should say which"}


def scheme_words(facts: dict[str, Any]) -> str:
    """One line: "DCM: DICOM Controlled Terminology (UID 1.2.840.10008.2.16.4)"."""
    if facts["registered"]:
        uid = f", UID {facts['uid']}" if facts["uid"] else ""
        retired = " (retired: not for new objects)" if facts["retired"] else ""
        return f"{facts['designator']}: {facts['name']}{uid}{retired}"
    if facts["private"]:
        return f"{facts['designator']}: a private coding scheme (its owner defines its codes)"
    return f"{facts['designator']}: a coding scheme not registered in PS3.16 Table 8-1"


def scheme_answer(k: Knowledge, designator: str) -> dict[str, Any]:
    facts = scheme_facts(k, designator)
    links = {"PS3.16 Section 8": SCHEMES_LINK}
    if facts["resource"]:
        links["resource"] = facts["resource"]
    if facts["private"]:
        links["PS3.3 C.12.1"] = CSIS_LINK
    return {"kind": "scheme", **facts, "where": PRIVATE_WHERE if facts["private"] else None,
            "in_file": None, "links": links}


def code_facts(k: Knowledge, scheme: str, value: str) -> dict[str, Any] | None:
    """Meaning, scheme, context groups, templates, note and unit words of a known code; None if unknown."""
    info = k.code(scheme, value)
    if info is None:
        return None
    groups = []
    for number in k.code_context_groups(info.scheme, info.value):
        cid = k.cid(number)
        groups.append({"cid": number, "name": k.cid_name(number),
                       "extensible": cid.extensible if cid is not None else None})
    uses = [{"tid": u.tid, "template": u.template, "row": u.row, "role": u.role, "relationship": u.relationship,
             "value_type": u.value_type, "source": u.source} for u in k.code_uses(info.scheme, info.value)]
    return {
        "scheme": info.scheme, "value": info.value, "meaning": info.meaning,
        "scheme_info": scheme_facts(k, info.scheme),
        "note": code_note(info.scheme, info.value),
        "definition": definition_facts(k, info.scheme, info.value, info.meaning),
        "purpose": purpose(info.meaning, uses, groups),
        "unit": unit_words(info.value) if info.scheme == "UCUM" else None,
        "context_groups": groups, "used_in": uses,
    }


def definition_link(value: str) -> str:
    return f"{NEMA}/part16/chapter_D.html#DCM_{value}"


def definition_facts(k: Knowledge, scheme: str, value: str, meaning: str) -> dict[str, Any] | None:
    """A DCM code's definition in the edition of PS3.16 Annex D dicomhelp has; None for other schemes.

    A code that edition lacks (added since) gets no text, only the words that say so: the
    definition is never made up from the meaning.
    """
    if scheme != "DCM":
        return None
    edition = k.code_definitions_edition()
    if edition is None:
        return None
    found = k.code_definition(scheme, value)
    facts: dict[str, Any] = {"edition": edition, "text": None, "retired": False, "older_meaning": None,
                             "replaced_by": None, "comment": None, "link": definition_link(value)}
    if found is None:
        facts["missing"] = (f"no definition in the {edition[:4]} edition of PS3.16 this project has (the code "
                            f"was added later); see PS3.16 Annex D: {facts['link']}")
        return facts
    facts.update(text=found.definition, retired=found.retired, comment=found.comment,
                 older_meaning=found.meaning if found.meaning != meaning else None)
    if found.replaced_by is not None:
        r = found.replaced_by
        facts["replaced_by"] = {"scheme": r.scheme, "value": r.value, "meaning": r.meaning}
    if found.definition is None:
        facts["missing"] = (f"the {edition} edition of PS3.16 gives this retired code a meaning but no "
                            f"definition; see PS3.16 Annex D: {facts['link']}")
    return facts


def definition_words(k: Knowledge, scheme: str, value: str) -> str | None:
    """A DCM code's Annex D definition where it says more than the code's meaning (for one-line answers)."""
    if scheme != "DCM":
        return None
    found = k.code_definition(scheme, value)
    if found is None or not found.definition:
        return None
    plain = found.definition.rstrip(".")
    return None if plain.lower() == found.meaning.lower() else plain


def definition_lines(d: dict[str, Any]) -> list[str]:
    """The definition, retirement and older meaning as ``explain`` prints them."""
    lines = []
    if d["text"]:
        lines.append(f"Definition (PS3.16 Annex D, {d['edition']} edition): {d['text']}")
    else:
        lines.append(f"Definition: {d['missing']}")
    if d["retired"]:
        replaced = d["replaced_by"]
        by = (f"; replaced by ({replaced['value']}, {replaced['scheme']}, \"{replaced['meaning']}\")"
              if replaced else "")
        lines.append(f"Retired in PS3.16 ({d['edition']} edition): not for new objects{by}")
    if d["older_meaning"]:
        lines.append(f"Meaning in the {d['edition']} edition: \"{d['older_meaning']}\" (reworded since; the "
                     "meaning above is the current one, pydicom's)")
    if d["comment"]:
        lines.append(f"Comment in PS3.16 ({d['edition']} edition): {d['comment']}")
    return lines


def unit_words(expression: str) -> str | None:
    from dicomhelp.create.sr.ucum import UCUMError, describe

    try:
        return describe(expression)
    except UCUMError:
        return None


def purpose(meaning: str, uses: list[dict[str, Any]], groups: list[dict[str, Any]]) -> str:
    """What the code is for, from where the standard uses it (a generated sentence)."""
    roles: dict[tuple[str, str | None, str | None], list[str]] = {}
    for use in uses:
        key = (use["role"], use["value_type"], use["relationship"])
        label = f"TID {use['tid']}"
        if label not in roles.setdefault(key, []):
            roles[key].append(label)
    parts = []
    for (role, value_type, relationship), tids in list(roles.items())[:4]:
        shown = ", ".join(tids[:5]) + (f" and {len(tids) - 5} more" if len(tids) > 5 else "")
        if role == "concept name":
            how = f" related by {relationship}" if relationship else ""
            parts.append(f"names a {value_type or ''} content item{how} in {shown}".replace("  ", " "))
        elif role == "value":
            parts.append(f"is the fixed value of a {value_type or ''} item in {shown}".replace("  ", " "))
        else:
            parts.append(f"is the unit of a measurement in {shown}")
    if groups:
        names = ", ".join(f"CID {g['cid']}" for g in groups[:4]) + (" and more" if len(groups) > 4 else "")
        parts.append(f"is one of the choices of {names}")
    if not parts:
        return f"\"{meaning}\": neither a template row nor a context group that dicomhelp knows uses it"
    return "; ".join(parts)


def code_answer(k: Knowledge, scheme: str, value: str) -> dict[str, Any] | None:
    facts = code_facts(k, scheme, value)
    if facts is None:
        return None
    links = {}
    if facts["scheme"] == "DCM":
        links["PS3.16"] = definition_link(facts["value"])
    elif facts["scheme"] == "SCT":
        links["SNOMED CT"] = f"https://browser.ihtsdotools.org/?perspective=full&conceptId1={facts['value']}"
    elif facts["scheme"] == "LN":
        links["LOINC"] = f"https://loinc.org/{facts['value']}"
    elif facts["scheme"] == "UCUM":
        links["UCUM"] = "https://ucum.org/ucum"
    for use in facts["used_in"][:1]:
        links[f"TID {use['tid']}"] = f"{NEMA}/part16/sect_TID_{use['tid']}.html"
    return {"kind": "code", **facts, "private": False, "links": links}


def private_code_answer(k: Knowledge, scheme: str, value: str) -> dict[str, Any]:
    """A code of a 99... (or L) scheme: what can be said without the file."""
    facts = scheme_facts(k, scheme)
    return {
        "kind": "code", "scheme": scheme, "value": value, "meaning": None, "scheme_info": facts,
        "note": None, "private": True,
        "purpose": f"a code of the private scheme {scheme}: {PRIVATE_WHERE}",
        "unit": None, "context_groups": [], "used_in": [],
        "links": {"PS3.16 Section 8": SCHEMES_LINK, "PS3.3 C.12.1": CSIS_LINK},
    }


# Schemes whose every value is a code without being listed anywhere dicomhelp has: language and country
# tags, UIDs. Their values are explained by the scheme (and the Code Meaning beside them in a file).
OPEN_SCHEMES = frozenset({"RFC5646", "ISO3166_1", "ISO639_1", "ISO639_2", "DCMUID", "RFC3066"})


def open_code_answer(k: Knowledge, scheme: str, value: str) -> dict[str, Any]:
    facts = scheme_facts(k, scheme)
    meaning = None
    if scheme == "DCMUID":
        uid = k.uid(value)
        meaning = uid.name if uid else None
    purpose = f"a value of {facts['name']} ({facts['note'] or 'see the resource'})"
    if meaning is None:
        purpose += "; dicomhelp has no list of these values: the Code Meaning beside it in a file names it"
    links = {"PS3.16 Section 8": SCHEMES_LINK}
    if facts["resource"]:
        links["resource"] = facts["resource"]
    return {"kind": "code", "scheme": scheme, "value": value, "meaning": meaning, "scheme_info": facts,
            "note": None, "private": False, "purpose": purpose, "unit": None, "context_groups": [],
            "used_in": [], "also_in_schemes": [], "scheme_given": True, "links": links}


def cid_facts(k: Knowledge, number: int) -> dict[str, Any] | None:
    info = k.cid(number)
    if info is None:
        return None
    uses = [{"tid": u.tid, "template": u.template, "row": u.row, "role": u.role, "binding": u.binding,
             "value_type": u.value_type, "source": u.source} for u in k.cid_uses(number)]
    return {"extensible": info.extensible, "version": info.version, "uid": info.uid, "used_in": uses}


def render_uses(uses: list[dict[str, Any]], indent: str = "  ") -> list[str]:
    """Template rows grouped per template: "TID 2010 Key Object Selection: rows 2, 3, 4 (concept name of CODE)"."""
    by_tid: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for use in uses:
        by_tid.setdefault((use["tid"], use["template"]), []).append(use)
    lines = []
    for (tid, template), rows in list(by_tid.items())[:_MAX_USES]:
        labels = [r["row"] for r in rows if r["row"]]
        where = f"row{'s' if len(labels) > 1 else ''} {', '.join(dict.fromkeys(labels))}" if labels else "a row"
        roles = ", ".join(dict.fromkeys(
            f"{r['role']} of {r['value_type']}" if r.get("value_type") else r["role"] for r in rows))
        source = " [PixelMed's table]" if rows[0]["source"] == "PixelMed" else ""
        lines.append(f"{indent}TID {tid} {template}: {where} ({roles}){source}")
    if len(by_tid) > _MAX_USES:
        lines.append(f"{indent}... and {len(by_tid) - _MAX_USES} more template(s) (--json lists all)")
    return lines
