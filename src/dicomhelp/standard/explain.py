"""What ``dicomhelp explain TERM`` answers: resolve any term, describe it in plain words.

:func:`explain` returns a JSON-ready dict (``kind`` plus the facts and links);
:func:`render` turns it into the plain text the CLI prints. Both only use the
knowledge layer, so a warm call reads a few rows of the index and nothing else.
"""

from __future__ import annotations

import re
from typing import Any

from dicomhelp.errors import UsageError
from dicomhelp.standard.knowledge import Knowledge, knowledge

NEMA = "https://dicom.nema.org/medical/dicom/current/output/chtml"
INNOLITICS = "https://dicom.innolitics.com/ciods"

_UID_RE = re.compile(r"^\d+(\.\d+)+$")
_SET_RE = re.compile(r"^(?:[BD])?(CID|TID)\s*-?\s*(\d+)$", re.I)
_CODE_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]*):(.+)$")
_TYPE_WORDS = {
    "1": "required, must have a value",
    "1C": "required under a condition, must have a value",
    "2": "required, may be empty",
    "2C": "required under a condition, may be empty",
    "3": "optional",
}
_USAGE_WORDS = {"M": "mandatory", "C": "conditional", "U": "user option"}
_MAX_USES = 8
# PS3.15 Table E.1-1 action codes.
_DEID_ACTIONS = {
    "D": "replace with a dummy value", "Z": "replace with an empty or dummy value", "X": "remove",
    "K": "keep", "C": "clean (keep, but remove identifying text)", "U": "replace with a consistent new UID",
}


def explain(term: str, k: Knowledge | None = None, *, in_file: str | None = None) -> dict[str, Any]:
    """Resolve ``term``; raises :class:`UsageError` with a "did you mean" hint when unknown.

    With ``in_file`` (a path) a code or coding scheme is also explained where the
    file uses it: its content items (concept name and value together) and the
    file's Coding Scheme Identification Sequence entry.
    """
    k = k or knowledge()
    text = " ".join(term.split())
    if not text:
        raise UsageError("nothing to explain", hint="give a keyword, tag, VR, UID, code, CID, TID, IOD or module")
    answer = _resolve(k, text)
    answer["term"] = term
    if in_file is not None:
        answer["in_file"] = _in_file(k, answer, in_file)
    return answer


def _resolve(k: Knowledge, text: str) -> dict[str, Any]:
    for resolver in (_as_line, _as_set, _as_tag, _as_uid, _as_code, _as_vr, _as_keyword, _as_path, _as_iod,
                     _as_module, _as_scheme, _as_uid_keyword):
        answer = resolver(k, text)
        if answer is not None:
            return answer
    # A beginner types "patientname" or "Patient Name": the keyword, spelled loosely.
    keyword = _keyword_ignoring_case(text)
    if keyword is not None:
        answer = _as_keyword(k, keyword)
        if answer is not None:
            return answer
    raise UsageError(f"unknown term '{text}'", hint=_did_you_mean(k, text))


def _in_file(k: Knowledge, answer: dict[str, Any], path: str) -> dict[str, Any]:
    """The file's view of a code or scheme answer (other terms: the file's values of the attribute)."""
    from dicomhelp.io import quiet_pydicom, read_file
    from dicomhelp.standard.contentitems import in_file

    with quiet_pydicom():
        ds = read_file(path).dataset
    found: dict[str, Any] = {"file": path}
    if answer["kind"] == "code":
        found.update(in_file(k, ds, answer.get("scheme") if answer.get("scheme_given", True) else None,
                             answer["value"]))
    elif answer["kind"] == "scheme":
        found.update(in_file(k, ds, answer["designator"], None))
    elif answer["kind"] == "attribute":
        tag = int(answer["tag"].strip("()").replace(",", ""), 16)
        values = []
        for element in ds.iterall():
            if element.tag == tag and element.VR != "SQ":
                values.append(str(element.value))
        found["values"] = values[:_MAX_USES]
        found["count"] = len(values)
    else:
        raise UsageError(f"--in explains codes, coding schemes and attributes in a file, not a {answer['kind']}",
                         hint="give a code (DCM:113011), a scheme (99SHSAIRC) or a keyword")
    return found


def _keyword_ignoring_case(text: str) -> str | None:
    from pydicom.datadict import DicomDictionary, keyword_dict

    needle = text.replace(" ", "").lower()
    matches = [kw for kw in keyword_dict if kw.lower() == needle]
    if not matches:  # the element's name as PS3.6 writes it: "Patient's Name"
        matches = [e[4] for e in DicomDictionary.values() if e[2].lower() == text.lower() and e[4]]
    return matches[0] if len(matches) == 1 else None


# -- resolvers: each returns an answer or None ------------------------------------

def _as_set(k: Knowledge, text: str) -> dict[str, Any] | None:
    m = _SET_RE.match(text)
    if not m:
        return None
    number = int(m.group(2))
    if m.group(1).upper() == "CID":
        info = k.cid(number)
        if info is None:
            raise UsageError(f"unknown context group CID {number}", hint="pydicom's code dictionary does not list it")
        from dicomhelp.standard.codes import cid_facts

        return {
            "kind": "cid", "number": number, "name": info.name, "keyword": info.keyword,
            "binding": k.cid_binding(number), **(cid_facts(k, number) or {}),
            "members": [{"scheme": c.scheme, "value": c.value, "meaning": c.meaning} for c in info.members],
            "links": {"PS3.16": f"{NEMA}/part16/sect_CID_{number}.html"},
        }
    tid = k.tid(number)
    if tid is None and k.template_table(number) is not None:
        return _tid_table_answer(k, number)
    if tid is None:
        raise UsageError(f"TID {number} is not among the templates dicomhelp knows",
                         hint=f"known: {', '.join(str(n) for n in k.tids())}; see {NEMA}/part16/chapter_A.html")
    rows = []
    for r in tid.rows:
        rows.append({
            "row": r.row, "label": r.label, "nesting_level": r.nesting_level, "relationship": r.relationship,
            "value_type": r.value_type,
            "concept": {"scheme": r.concept.scheme, "value": r.concept.value, "meaning": r.concept.meaning}
            if r.concept else None,
            "concept_set": r.concept_set, "vm": r.vm, "requirement": r.requirement, "condition": r.condition,
            "value_set": r.value_set, "binding": r.binding, "include_template": r.include_template,
            "include_params": r.include_params,
        })
    return {
        "kind": "tid", "number": number, "name": tid.name, "extensible": tid.extensible, "root": tid.root,
        "source": tid.source, "rows": rows,
        "links": {"PS3.16": f"{NEMA}/part16/sect_TID_{number}.html"},
    }


def _tid_table_answer(k: Knowledge, number: int) -> dict[str, Any]:
    """A template dicomhelp does not write by hand: the rows PixelMed's validator checks."""
    name, table, includes = k.template_table(number)  # type: ignore[misc]
    rows = []
    for position, r in enumerate(table, 1):
        label, level, rel, vt, concept, concept_cid, value_cid, binding, _fixed, units_cid, _units, req = r
        value_set = None
        if value_cid is not None:
            value_set = f"{binding or ''}CID {value_cid} {k.cid_name(value_cid) or ''}".strip()
        elif units_cid is not None:
            value_set = f"UNITS CID {units_cid} {k.cid_name(units_cid) or ''}".strip()
        rows.append({
            "row": position, "label": label, "nesting_level": level, "relationship": rel, "value_type": vt,
            "concept": {"value": concept[0], "scheme": concept[1], "meaning": concept[2]} if concept else None,
            "concept_set": f"CID {concept_cid} {k.cid_name(concept_cid) or ''}".strip() if concept_cid else None,
            "vm": "", "requirement": req or "", "condition": None, "value_set": value_set, "binding": binding,
            "include_template": None, "include_params": None,
        })
    return {
        "kind": "tid", "number": number, "name": name, "extensible": None, "root": False,
        "source": "rows as PixelMed's SR validator checks them (generated from PS3.16; VM and conditions left "
                  "out; included templates listed below)",
        "rows": rows, "includes": [{"tid": t, "name": k.template_name(t)} for t in includes],
        "links": {"PS3.16": f"{NEMA}/part16/sect_TID_{number}.html"},
    }


def _as_tag(k: Knowledge, text: str) -> dict[str, Any] | None:
    from dicomhelp.paths import parse_tag

    tag = parse_tag(text)
    if tag is None:
        return None
    answer = _attribute_answer(k, tag)
    if answer is None:
        raise UsageError(f"tag {_tag_text(tag)} is not in the data dictionary",
                         hint="odd groups are private: their meaning is in the vendor's conformance statement")
    return answer


def _as_uid(k: Knowledge, text: str) -> dict[str, Any] | None:
    if not _UID_RE.match(text):
        return None
    info = k.uid(text)
    iod = k.iod_for_sop_class(text)
    if info is None and iod is None:
        hint = None
        if text.startswith("2.25."):
            hint = "2.25.<number> UIDs are generated from a UUID (dicomhelp's default for new objects)"
        elif not text.startswith("1.2.840.10008."):
            hint = "it is not a UID of the standard; an organisation's own root generated it"
        raise UsageError(f"unknown UID '{text}'", hint=hint)
    answer: dict[str, Any] = {
        "kind": "uid", "uid": text, "name": info.name if info else None, "type": info.kind if info else "SOP Class",
        "keyword": info.keyword if info else None, "retired": info.retired if info else False,
        "links": {"PS3.6": f"{NEMA}/part06/chapter_A.html"},
    }
    if iod is not None:
        answer["iod"] = {"id": iod.id, "name": iod.name}
        answer["links"]["Innolitics"] = f"{INNOLITICS}/{iod.id}"
    if info is not None and info.kind == "Transfer Syntax":
        answer["links"]["PS3.5"] = f"{NEMA}/part05/chapter_10.html"
    return answer


def _as_line(k: Knowledge, text: str) -> dict[str, Any] | None:
    """A line of the seed's dump layout: ``CS (0040, a010) RelationshipType HAS CONCEPT MOD``."""
    if " " not in text:
        return None
    from dicomhelp.standard.contentitems import line_answer

    return line_answer(k, text)


def _as_scheme(k: Knowledge, text: str) -> dict[str, Any] | None:
    from dicomhelp.standard.codes import is_private_scheme, scheme_answer

    if " " in text or not (k.coding_scheme(text) or is_private_scheme(text)):
        return None
    return scheme_answer(k, text)


_PRIVATE_CODE_RE = re.compile(r"^(99[A-Za-z0-9_\-]*|L):(.+)$")


def _as_code(k: Knowledge, text: str) -> dict[str, Any] | None:
    private = _PRIVATE_CODE_RE.match(text)
    m = _CODE_RE.match(text)
    if not (private or m or text.isdigit() or re.match(r"^[A-Z]\d{4,}$", text)):
        return None  # not a code: keyword lookups do not pay for importing the code module
    from dicomhelp.standard import codes

    if private:
        return codes.private_code_answer(k, private.group(1), private.group(2))
    if m:
        scheme, value = m.group(1), m.group(2)
        schemes = [s for s in k.schemes_for_code_value(value) if s.lower() == scheme.lower()] or [scheme]
    elif text.isdigit() or re.match(r"^[A-Z]\d{4,}$", text):
        schemes = list(k.schemes_for_code_value(text))
        value = text
        if not schemes:
            return None
    else:
        return None
    for scheme in schemes:
        answer = codes.code_answer(k, scheme, value)
        if answer is not None:
            answer["also_in_schemes"] = [s for s in k.schemes_for_code_value(value) if s != answer["scheme"]]
            answer["scheme_given"] = bool(m)
            return answer
    if m and scheme.upper() == "UCUM" and codes.unit_words(value):
        return _unit_answer(k, value)
    if m and scheme.upper() in codes.OPEN_SCHEMES:
        return codes.open_code_answer(k, scheme.upper(), value)
    if m:
        facts = codes.scheme_facts(k, scheme)
        hint = ("its meaning is the Code Meaning written beside it in the file"
                if facts["registered"] else "the scheme is not in PS3.16 Table 8-1 either")
        raise UsageError(f"unknown code {scheme}:{value}: not in pydicom's code dictionary nor in the "
                         f"PS3.16 tables dicomhelp has", hint=hint)
    return None


def _unit_answer(k: Knowledge, value: str) -> dict[str, Any]:
    """A UCUM unit that no dictionary lists (UCUM is a grammar): its words from the expression."""
    from dicomhelp.standard import codes

    words = codes.unit_words(value) or value
    return {"kind": "code", "scheme": "UCUM", "value": value, "meaning": words, "private": False,
            "scheme_info": codes.scheme_facts(k, "UCUM"), "note": None, "unit": words,
            "purpose": f"a unit of measurement written in UCUM: {words}", "context_groups": [], "used_in": [],
            "also_in_schemes": [], "scheme_given": True, "links": {"UCUM": "https://ucum.org/ucum"}}


def _as_vr(k: Knowledge, text: str) -> dict[str, Any] | None:
    if len(text) != 2 or k.attribute(text) is not None:
        return None
    info = k.vr(text)
    if info is None:
        return None
    return {"kind": "vr", "name": info.name, "meaning": info.meaning, "max_length": info.max_length,
            "charset": info.charset, "rules": info.rules, "example": info.example,
            "links": {"PS3.5": f"{NEMA}/part05/sect_6.2.html"}}


def _as_keyword(k: Knowledge, text: str) -> dict[str, Any] | None:
    if not re.match(r"^[A-Za-z][A-Za-z0-9]*$", text):
        return None
    info = k.attribute(text)
    return _attribute_answer(k, info.tag) if info else None


def _as_path(k: Knowledge, text: str) -> dict[str, Any] | None:
    if "." not in text and "[" not in text and '"' not in text:
        return None
    from dicomhelp import paths

    try:
        steps = paths.parse(text)
    except UsageError:
        return None
    last = steps[-1]
    if last.tag is None:
        return _private_answer(text, last)
    answer = _attribute_answer(k, last.tag)
    if answer is None:
        return None
    answer["path"] = paths.format_path(steps)
    parents = []
    for step in steps[:-1]:
        parent = k.attribute(step.tag) if step.tag is not None else None
        parents.append(parent.keyword if parent else step.text())
    answer["within"] = parents
    return answer


def _private_answer(text: str, step: Any) -> dict[str, Any]:
    """A private element named by its creator: what pydicom's private dictionary knows of it."""
    from pydicom._private_dict import private_dictionaries

    key = f"{step.group:04X}xx{step.element_byte:02X}"
    entry = private_dictionaries.get(step.creator, {}).get(key) or private_dictionaries.get(step.creator, {}).get(
        key.lower())
    if entry is None:
        raise UsageError(f"'{text}' is a private element pydicom's private dictionary does not describe",
                         hint="its meaning is in the vendor's DICOM conformance statement")
    vr, vm, name, retired = entry[:4]
    vr_info = k_vr(vr)
    return {
        "kind": "private", "creator": step.creator, "group": f"{step.group:04X}",
        "element": f"xx{step.element_byte:02X}", "name": name, "vr": vr, "vm": vm, "retired": bool(retired),
        "vr_meaning": vr_info.meaning if vr_info else None,
        "links": {"PS3.5 private elements": f"{NEMA}/part05/sect_7.8.html"},
    }


def k_vr(name: str) -> Any:  # the VR table without a Knowledge instance
    from dicomhelp.standard.vrs import VRS

    return VRS.get(name.split(" ")[0])


def _render_private(a: dict[str, Any]) -> list[str]:
    return [
        f"{a['name']} ({a['group']},{a['element']}), a private element of \"{a['creator']}\""
        + (" (RETIRED)" if a["retired"] else ""),
        f"VR: {a['vr']}" + (f" ({a['vr_meaning']})" if a["vr_meaning"] else "") + f"; VM: {a['vm']}",
        "Private elements are defined by the vendor (from pydicom's private dictionary); the block xx is "
        f"reserved by the Private Creator element ({a['group']},00xx) with the value \"{a['creator']}\".",
    ]


def _as_iod(k: Knowledge, text: str) -> dict[str, Any] | None:
    iod = k.iod(text)
    if iod is None:
        return None
    return {
        "kind": "iod", "id": iod.id, "name": iod.name, "description": iod.description,
        "sop_classes": [{"uid": uid, "name": (k.uid(uid).name if k.uid(uid) else None)}
                        for uid in k.sop_classes_for_iod(iod.id)],
        "modules": [{"id": m.module_id, "name": m.name, "usage": m.usage, "condition": m.condition,
                     "information_entity": m.information_entity} for m in iod.modules],
        "relationships": _relationship_table(k, iod.id),
        "links": {"PS3.3": _https(iod.link) or f"{NEMA}/part03/chapter_A.html", "Innolitics": f"{INNOLITICS}/{iod.id}"},
    }


def _relationship_table(k: Knowledge, iod_id: str) -> dict[str, Any] | None:
    """The SR IOD's relationship constraints, grouped as the standard's table prints them."""
    rows = k.sr_relationship_constraints(iod_id)
    if not rows:
        return None
    by_source: dict[tuple[str, str], list[str]] = {}
    for source, relationship, target in rows:
        by_source.setdefault((relationship, source), []).append(target)
    # Sources sharing a relationship and target list print as one row, as in the standard's table.
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (relationship, source), targets in by_source.items():
        grouped.setdefault((relationship, tuple(targets)), []).append(source)
    every = {vt for row in rows for vt in (row[0], row[2])}
    meta = k.sr_relationship_source(iod_id) or {}
    return {
        "source": meta.get("source"), "edition": meta.get("edition"), "by_reference": meta.get("by_reference"),
        "rows": [{"sources": ["any"] if set(sources) >= every else sources, "relationship": r, "targets": list(t)}
                 for (r, t), sources in grouped.items()],
    }


def _as_module(k: Knowledge, text: str) -> dict[str, Any] | None:
    module = k.module(text)
    if module is None:
        return None
    iods = k.iods_using_module(module.id)
    links = {"PS3.3": _https(module.link) or f"{NEMA}/part03/chapter_C.html"}
    if iods:
        links["Innolitics"] = f"{INNOLITICS}/{iods[0][0]}/{module.id}"
    return {
        "kind": "module", "id": module.id, "name": module.name, "description": module.description,
        "attributes": [{"path": list(a.path), "keyword": a.keyword, "tag": _tag_text(a.tag), "type": a.type,
                        "condition": a.condition, "enumerated": list(a.enumerated or ()) or None,
                        "defined_terms": list(a.defined_terms or ()) or None} for a in module.attributes],
        "iods": [{"id": i, "usage": u} for i, u in iods],
        "links": links,
    }


def _https(link: str | None) -> str | None:
    return link.replace("http://", "https://", 1) if link else None


def _as_uid_keyword(k: Knowledge, text: str) -> dict[str, Any] | None:
    info = k.uid(text)
    return _as_uid(k, info.uid) if info else None


# -- attributes ------------------------------------------------------------------------

def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _attribute_answer(k: Knowledge, tag: int) -> dict[str, Any] | None:
    info = k.attribute(tag)
    if info is None:
        return None
    vr = k.vr(info.vr.split(" ")[0])
    uses = k.attribute_uses(info.tag)
    modules: dict[str, dict[str, Any]] = {}
    for use in uses:
        entry = modules.setdefault(use.module_id, {"module": use.module_id, "name": use.module_name,
                                                   "places": []})
        entry["places"].append({"path": list(use.path), "type": use.type, "condition": use.condition})
    enumerated, defined = k.attribute_terms(info.tag)
    for entry in modules.values():
        entry["iods"] = [{"id": i, "usage": u} for i, u in k.iods_using_module(entry["module"])]
    # The modules most IODs use first: Patient before Clinical Trial Subject.
    ordered = sorted(modules.values(), key=lambda e: (-len(e["iods"]), min(len(p["path"]) for p in e["places"])))
    links = {"PS3.6": f"{NEMA}/part06/chapter_6.html"}
    for entry in ordered:
        if entry["iods"]:
            place = entry["places"][0]["path"]
            chain = [k.attribute(p) for p in place]
            hexes = [f"{a.tag:08x}" for a in chain if a] + [f"{info.tag:08x}"]
            links["Innolitics"] = f"{INNOLITICS}/{entry['iods'][0]['id']}/{entry['module']}/{'/'.join(hexes)}"
            break
    deid = _deid(k.deidentification(info.tag))
    if deid:
        links["PS3.15"] = f"{NEMA}/part15/chapter_E.html"
    return {
        "kind": "attribute", "tag": _tag_text(info.tag), "keyword": info.keyword, "name": info.name,
        "vr": info.vr, "vr_meaning": vr.meaning if vr else None,
        "vr_rules": vr.rules if vr else None, "vr_max_length": vr.max_length if vr else None,
        "vr_example": vr.example if vr else None, "vm": info.vm, "retired": info.retired,
        "description": info.description, "enumerated": list(enumerated) if enumerated else None,
        "defined_terms": list(defined) if defined else None,
        "modules": ordered, "deidentification": deid, "links": links,
    }


def _deid(action: str | None) -> dict[str, str] | None:
    if not action:
        return None
    from dicomhelp.standard.ps315 import load_table

    words = " or ".join(_DEID_ACTIONS.get(code.strip("*"), code) for code in action.split("/"))
    return {"profile": "PS3.15 Basic Application Level Confidentiality Profile", "action": action,
            "meaning": words, "edition": load_table().edition}


def _did_you_mean(k: Knowledge, text: str) -> str | None:
    import difflib

    from dicomhelp.standard.vrs import VRS

    candidates = list(k.names()) + list(VRS)
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(text.lower(), list(lowered), n=3, cutoff=0.6)
    if not close:
        needle = text.lower().replace(" ", "")
        close = [c for c in lowered if needle in c.replace(" ", "")][:3]
    if not close:
        return "try a keyword, a tag like (0008,0104), a VR, a UID, DCM:121049, CID 7469, TID 1500 or an IOD name"
    return "did you mean " + ", ".join(lowered[c] for c in close) + "?"


# -- text --------------------------------------------------------------------------------

def render(answer: dict[str, Any]) -> str:
    """Plain text, one fact per line, for people."""
    kind = answer["kind"]
    lines = globals()[f"_render_{kind}"](answer)
    if answer.get("in_file"):
        lines += _render_in_file(answer)
    if answer.get("links"):
        lines.append("See:")
        lines += [f"  {name}: {url}" for name, url in answer["links"].items()]
    return "\n".join(lines)


def _render_attribute(a: dict[str, Any]) -> list[str]:
    lines = [f"{a['name']} {a['tag']}, keyword {a['keyword']}" + (" (RETIRED)" if a["retired"] else "")]
    if a.get("path"):
        lines.append(f"Path: {a['path']}" + (f" (inside {' > '.join(a['within'])})" if a.get("within") else ""))
    if a["description"]:
        lines.append(f"Meaning: {a['description']}")
    vr = f"VR: {a['vr']}"
    if a["vr_meaning"]:
        length = f", at most {a['vr_max_length']} bytes" if a["vr_max_length"] and a["vr_max_length"] < 65536 else ""
        vr += f" ({a['vr_meaning']}{length}): {a['vr_rules']} Example: {a['vr_example']}"
    lines.append(vr)
    lines.append(f"VM: {a['vm']} ({_vm_words(a['vm'])})")
    if a["enumerated"]:
        lines.append(f"Enumerated values: {', '.join(a['enumerated'])}")
    if a["defined_terms"]:
        lines.append(f"Defined terms: {', '.join(a['defined_terms'])}")
    if a.get("deidentification"):
        d = a["deidentification"]
        lines.append(f"De-identification: {d['action']} ({d['meaning']}) in the {d['profile']}, edition {d['edition']}")
    modules = a["modules"]
    if modules:
        lines.append(f"Used in {len(modules)} module(s):")
        for entry in modules[:_MAX_USES]:
            place = entry["places"][0]
            where = " > ".join(place["path"] + [a["keyword"]])
            more = f" (+{len(entry['places']) - 1} more place(s))" if len(entry["places"]) > 1 else ""
            iods = ", ".join(i["id"] for i in entry["iods"][:3])
            if len(entry["iods"]) > 3:
                iods += f" and {len(entry['iods']) - 3} more"
            # Modules of the normalized services (PS3.4) give no attribute type.
            kind = (f", type {place['type']} ({_TYPE_WORDS.get(place['type'], place['type'])})"
                    if place["type"] not in (None, "", "None") else ", no attribute type (a service's module)")
            lines.append(f"  {entry['name']}: {where}{kind}{more}")
            if place["condition"]:
                lines.append(f"    condition: {place['condition']}")
            if iods:
                lines.append(f"    in IODs: {iods}")
        if len(modules) > _MAX_USES:
            lines.append(f"  ... and {len(modules) - _MAX_USES} more module(s) (--json lists all)")
    else:
        lines.append("Used in: no module of PS3.3 (a file meta, command, directory or retired element)")
    return lines


def _vm_words(vm: str) -> str:
    if vm == "1":
        return "one value"
    if vm.endswith("-n") or vm.endswith("n"):
        return f"{vm.split('-')[0]} or more values, separated by backslashes"
    return f"{vm} values, separated by backslashes"


def _render_vr(a: dict[str, Any]) -> list[str]:
    length = f"at most {a['max_length']} bytes" if a["max_length"] else "no fixed limit"
    return [f"{a['name']}: {a['meaning']} (value representation)", f"Rules: {a['rules']}",
            f"Length: {length}", f"Characters: {a['charset']}", f"Example: {a['example']}"]


def _render_uid(a: dict[str, Any]) -> list[str]:
    lines = [f"{a['uid']}: {a['name'] or '(a SOP class)'}" + (" (RETIRED)" if a["retired"] else ""),
             f"Type: {a['type']}"]
    if a.get("keyword"):
        lines.append(f"Keyword: {a['keyword']}")
    if a.get("iod"):
        lines.append(f"IOD: {a['iod']['name']} (explain '{a['iod']['name']}' lists its modules)")
    return lines


def _render_code(a: dict[str, Any]) -> list[str]:
    from dicomhelp.standard.codes import definition_lines, render_uses, scheme_words

    if a["private"]:
        return [f"({a['value']}, {a['scheme']}): a code of a private coding scheme",
                f"Coding scheme: {scheme_words(a['scheme_info'])}",
                f"Rule: {a['scheme_info']['note']}",
                f"Meaning: {a['purpose']}"]
    meaning = f"\"{a['meaning']}\"" if a["meaning"] else "not listed (the Code Meaning beside it in a file names it)"
    lines = [f"({a['value']}, {a['scheme']}" + (f", {meaning})" if a["meaning"] else ")"),
             f"Coding scheme: {scheme_words(a['scheme_info'])}",
             f"Code value {a['value']}, meaning {meaning}"]
    if a.get("definition"):
        lines += definition_lines(a["definition"])
    if a.get("unit"):
        lines.append(f"Unit in words: {a['unit']}")
    if a.get("note"):
        lines.append(f"What it is for: {a['note']}")
    lines.append(f"Where the standard uses it: {a['purpose']}")
    if a["context_groups"]:
        groups = ", ".join(f"CID {g['cid']} {g['name']}" + _extensible_mark(g.get("extensible"))
                           for g in a["context_groups"][:10])
        more = f" and {len(a['context_groups']) - 10} more" if len(a["context_groups"]) > 10 else ""
        lines.append(f"In context groups: {groups}{more}")
    else:
        lines.append("In context groups: none that dicomhelp knows")
    if a["used_in"]:
        lines.append("Used in templates:")
        lines += render_uses(a["used_in"])
    else:
        lines.append("Used in templates: none that dicomhelp knows (PixelMed's PS3.16 tables and its own)")
    if a.get("also_in_schemes"):
        lines.append(f"The same value exists in: {', '.join(a['also_in_schemes'])}")
    return lines


def _extensible_mark(extensible: bool | None) -> str:
    return {True: " (extensible)", False: " (non-extensible)"}.get(extensible, "")  # type: ignore[arg-type]


def _render_scheme(a: dict[str, Any]) -> list[str]:
    from dicomhelp.standard.codes import scheme_words

    lines = [scheme_words(a)]
    if a["registered"]:
        if a["organization"]:
            lines.append(f"Responsible organisation: {a['organization']}")
        if a["note"]:
            lines.append(f"What it holds: {a['note']}")
        lines.append("Registered in PS3.16 Table 8-1 (Coding Schemes)")
    else:
        lines.append(f"Rule: {a['note']}")
        if a.get("where"):
            lines.append(f"Where it is defined: {a['where']}")
    return lines


def _render_line(a: dict[str, Any]) -> list[str]:
    lines = [a["line"]]
    element = a.get("element")
    if element:
        lines.append(f"Element: {element['tag']} {element['brief'] or element['name']}")
    if a.get("value_words"):
        lines.append(("Value: " if element and a.get("count") is None else "") + a["value_words"]
                     if element else a["value_words"])
    return lines


def _render_in_file(a: dict[str, Any]) -> list[str]:
    found = a["in_file"]
    lines = [f"In {found['file']}:"]
    if "values" in found:
        lines += [f"  {v}" for v in found["values"]] or ["  not present"]
        if found["count"] > len(found["values"]):
            lines.append(f"  ... {found['count']} in all")
        return lines
    entry = found.get("scheme_entry")
    if found.get("scheme"):
        if entry:
            said = ", ".join(f"{k} \"{v}\"" for k, v in entry.items()) or "no details"
            lines.append(f"  Coding Scheme Identification Sequence declares {found['scheme']}: {said}")
        else:
            from dicomhelp.standard.codes import is_private_scheme

            needs = "" if is_private_scheme(found["scheme"]) else " (a scheme of PS3.16 Table 8-1 needs none)"
            lines.append(f"  Coding Scheme Identification Sequence: no entry for {found['scheme']}{needs}")
    for o in found["occurrences"][:_MAX_USES]:
        lines.append(f"  {o['position']}  {o['relationship'] or ''}  {o['value_type'] or ''}  {o['words']}"
                     .replace("    ", "  "))
    if not found["occurrences"]:
        lines.append("  no content item uses it")
    elif len(found["occurrences"]) > _MAX_USES:
        lines.append(f"  ... {len(found['occurrences'])} content items in all (--json lists all)")
    return lines


def _render_cid(a: dict[str, Any]) -> list[str]:
    from dicomhelp.standard.codes import render_uses

    binding = {"B": "baseline (other codes may be used)", "D": "defined (only these codes)"}.get(a["binding"] or "")
    lines = [f"CID {a['number']} {a['name']}: a context group of {len(a['members'])} code(s)"]
    if a.get("extensible") is not None:
        lines.append("Type: " + ("extensible (an application may add codes)" if a["extensible"]
                                 else "non-extensible (only these codes)") + " (PS3.16 Annex B)")
    else:
        lines.append("Type: extensible or not is not in the installed sources")
    if a.get("version") or a.get("uid"):
        lines.append("Version: " + " ".join(filter(None, [a.get("version"), f"UID {a['uid']}" if a.get("uid") else None])))
    if binding:
        lines.append(f"Binding where the templates dicomhelp knows use it: {binding}")
    if not a["members"]:
        lines.append("Codes: pydicom lists none (the group is defined by another scheme or includes other groups;"
                     " see the link)")
    for c in a["members"][:25]:
        lines.append(f"  ({c['value']}, {c['scheme']}, \"{c['meaning']}\")")
    if len(a["members"]) > 25:
        lines.append(f"  ... and {len(a['members']) - 25} more (--json lists all)")
    if a.get("used_in"):
        lines.append("Used in templates:")
        lines += render_uses(a["used_in"])
    else:
        lines.append("Used in templates: none that dicomhelp knows (PixelMed's PS3.16 tables and its own)")
    return lines


def _render_tid(a: dict[str, Any]) -> list[str]:
    kind = {True: "extensible", False: "non-extensible", None: "extensibility not in this table"}[a["extensible"]]
    lines = [f"TID {a['number']} {a['name']} ({kind}{', root template' if a['root'] else ''}; {a['source']})",
             "Rows (row, NL, relationship, value type, concept, VM, requirement, value set; '-' = row number"
             " not verified):"]
    for r in a["rows"]:
        concept = (f"({r['concept']['value']}, {r['concept']['scheme']}, \"{r['concept']['meaning']}\")"
                   if r["concept"] else (r["concept_set"] or ""))
        parts = [f"{r['label'] or '-':>3} {'>' * r['nesting_level']:<3}", r["relationship"] or "", r["value_type"] or "",
                 concept, r["vm"], r["requirement"]]
        line = " ".join(p for p in parts if p)
        if r["value_set"]:
            line += f"  {r['value_set']}"
        if r["condition"]:
            line += f"  [{r['condition']}]"
        lines.append(line)
    if a.get("includes"):
        lines.append("Includes: " + ", ".join(f"TID {t['tid']} {t['name'] or ''}".rstrip() for t in a["includes"]))
    return lines


def _render_iod(a: dict[str, Any]) -> list[str]:
    lines = [f"{a['name']} IOD ({a['id']})"]
    if a["description"]:
        lines.append(f"Meaning: {a['description']}")
    for s in a["sop_classes"]:
        lines.append(f"SOP class: {s['uid']} {s['name'] or ''}".rstrip())
    lines.append("Modules (usage: M mandatory, C conditional, U user option):")
    for m in a["modules"]:
        line = f"  {m['usage']}  {m['name']}"
        if m["information_entity"]:
            line += f"  [{m['information_entity']}]"
        lines.append(line)
        if m["condition"]:
            lines.append(f"       {m['condition']}")
    table = a.get("relationships")
    if table:
        by_ref = "allowed" if table["by_reference"] else "not allowed"
        lines.append(f"Content relationships allowed ({table['source']}, {table['edition']}; by-reference {by_ref}):")
        for row in table["rows"]:
            lines.append(f"  {', '.join(row['sources'])} {row['relationship']} -> {', '.join(row['targets'])}")
    return lines


def _render_module(a: dict[str, Any]) -> list[str]:
    lines = [f"{a['name']} module ({a['id']})"]
    if a["description"]:
        lines.append(f"Meaning: {a['description']}")
    if a["iods"]:
        shown = ", ".join(f"{i['id']} ({i['usage']})" for i in a["iods"][:6])
        more = f" and {len(a['iods']) - 6} more" if len(a["iods"]) > 6 else ""
        lines.append(f"Used by IODs: {shown}{more}")
    lines.append("Attributes (type: 1 required, 1C conditional, 2 required but may be empty, 2C, 3 optional):")
    for attr in a["attributes"]:
        depth = ">" * len(attr["path"])
        lines.append(f"  {depth}{attr['keyword']} {attr['tag']} type {attr['type']}")
        if attr["condition"]:
            condition = attr["condition"] if len(attr["condition"]) <= 160 else attr["condition"][:159] + "…"
            lines.append(f"  {' ' * len(depth)}  {condition}")
    return lines
