"""Compile the sources into the sections of the local index.

Sources: pydicom's data dictionary, UID registry and SR code dictionaries;
highdicom's standard tables (``highdicom/_standard/*.json``, read as data files
because its helpers are private API; highdicom is pinned in pyproject.toml);
optionally the prose of the ``dicom-standard`` package (see :mod:`.prose`).

The result is ``{section: {key: value}}`` with picklable values; :mod:`.index`
stores it in SQLite so a lookup reads only the rows it needs.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from importlib import resources
from typing import Any

from dicomhelp.standard import prose
from dicomhelp.standard.model import (
    AttributeInfo,
    AttributeUse,
    CIDInfo,
    CIDUse,
    CodeDefinition,
    CodeInfo,
    CodeUse,
    IODInfo,
    ModuleAttribute,
    ModuleInfo,
    ModuleUsage,
    SourceInfo,
    UIDInfo,
)

Sections = dict[str, dict[str, Any]]

# Words printed in capitals in module and IOD names (for names derived from ids).
_ACRONYMS = {
    "ct", "mr", "sr", "pet", "pt", "us", "xa", "xrf", "rt", "nm", "cr", "dx", "sc", "sop", "voi", "lut",
    "ecg", "eeg", "emg", "eog", "cad", "pdf", "cda", "stl", "obj", "mtl", "dicos", "ivoct", "ivus", "oct",
    "op", "opt", "ot", "ecg", "hl7", "iod", "roi", "ps", "mpr", "ophthalmic", "3d", "2d", "xrf", "wsi",
}
_KEEP_LOWER = {"of", "and", "for", "to", "in", "on", "with", "a", "the", "by"}


def title_from_id(ident: str) -> str:
    words = []
    for i, word in enumerate(ident.split("-")):
        if word in _ACRONYMS and word != "ophthalmic":
            words.append(word.upper())
        elif word in _KEEP_LOWER and i:
            words.append(word)
        else:
            words.append(word.capitalize())
    return " ".join(words)


def camel_words(keyword: str) -> str:
    """'GeneralRegionofInterestMeasurementModifier' -> 'General Region of Interest Measurement Modifier'."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", keyword)
    return re.sub(r"(?<=[a-z])(of|and|for|in|to|with|by)(?= [A-Z])", r" \1", words)


def norm(name: str) -> str:
    """Lookup key of a name: case, spaces, hyphens and punctuation do not matter."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _highdicom_table(name: str) -> Any:
    with resources.files("highdicom").joinpath("_standard", name).open("r", encoding="utf-8") as fh:
        return json.load(fh)


def tag_key(tag: int) -> str:
    return f"{tag:08X}"


def build() -> Sections:
    import highdicom
    import pydicom

    out: Sections = defaultdict(dict)
    folder = prose.locate()
    text = _Prose(folder) if folder else None

    _attributes(out, text)
    if text:
        out["deid"] = dict(text.deidentification)
    _uids(out)
    _iods_and_modules(out, text)
    _codes(out)
    _definitions(out)

    names: set[str] = set(out["kw"])
    names |= {info.name for info in out["iod"].values()} | {info.name for info in out["module"].values()}
    names |= set(out["iod"]) | set(out["module"])
    names |= {info.keyword for info in out["uid"].values() if info.keyword}
    out["names"]["all"] = tuple(sorted(names))

    sources = [
        SourceInfo("pydicom", pydicom.__version__,
                   "data dictionary (PS3.6 and PS3.7), UID registry, SR codes and context groups (PS3.16)"),
        SourceInfo("highdicom", highdicom.__version__,
                   "SOP class → IOD, IOD → modules with usage, module → attributes with type (PS3.3)"),
        SourceInfo("PixelMed PS3.16 tables", out["meta"]["ps316_usage"]["edition"],
                   "context group extensibility and template rows: which templates use a code or CID "
                   "(PS3.16 Annexes A and B; data/standard/ps316_usage.json)"),
        SourceInfo("HL7 FHIR DCM code system", out["meta"]["dcm_definitions"]["edition"] + " edition of PS3.16",
                   f"definitions of the DCM codes (PS3.16 Annex D, Table D-1), from "
                   f"{out['meta']['dcm_definitions']['package']}, licence CC0-1.0 "
                   "(data/standard/dcm_definitions.json)"),
    ]
    if text:
        sources.append(SourceInfo(prose.DIST, prose.version() or "?",
                                  f"prose of PS3.3 (2020 snapshot): descriptions, conditions, terms; "
                                  f"read from {folder}"))
    out["meta"]["sources"] = tuple(sources)
    return dict(out)


class _Prose:
    """What the dicom-standard package says, keyed for joining with the facts."""

    def __init__(self, folder: Any) -> None:
        self.ciods = {c["id"]: c for c in prose.load(folder, "ciods.json")}
        self.modules = {m["id"]: m for m in prose.load(folder, "modules.json")}
        self.iod_conditions: dict[tuple[str, str], str] = {}
        for row in prose.load(folder, "ciod_to_modules.json"):
            if row.get("conditionalStatement"):
                self.iod_conditions[(row["ciodId"], row["moduleId"])] = prose.plain(row["conditionalStatement"])
        self.rows: dict[str, tuple[str, str | None, tuple[str, ...] | None, tuple[str, ...] | None]] = {}
        per_tag: dict[str, Counter[str]] = defaultdict(Counter)
        for row in prose.load(folder, "module_to_attributes.json"):
            description = row.get("description") or ""
            plain_text = prose.plain(description)
            enumerated, defined = prose.terms(description)
            cond = prose.condition(plain_text) if str(row.get("type", "")).endswith("C") else None
            self.rows[row["path"].upper()] = (plain_text, cond, enumerated, defined)
            if plain_text:
                per_tag[row["tag"].replace("(", "").replace(")", "").replace(",", "").upper()][plain_text] += 1
        self.attribute_text = {tag: counts.most_common(1)[0][0] for tag, counts in per_tag.items()}
        # PS3.15 Table E.1-1: the Basic Application Level Confidentiality Profile's action per attribute.
        self.deidentification = {
            row["id"].upper(): row["basicProfile"]
            for row in prose.load(folder, "confidentiality_profile_attributes.json")
            if row.get("basicProfile") and re.fullmatch(r"[0-9A-Fa-f]{8}", row.get("id", ""))
        }


def _attributes(out: Sections, text: _Prose | None) -> None:
    from pydicom.datadict import DicomDictionary, RepeatersDictionary

    for tag, (vr, vm, name, retired, keyword) in DicomDictionary.items():
        key = tag_key(tag)
        description = text.attribute_text.get(key) if text else None
        out["attr"][key] = AttributeInfo(tag, keyword, name, vr, vm, bool(retired), description)
        if keyword:
            out["kw"][keyword] = key
    for mask, (vr, vm, name, retired, keyword) in RepeatersDictionary.items():
        # Repeating groups (curves, overlays): stored under the mask, e.g. 60xx3000.
        tag = int(mask.replace("x", "0"), 16)
        out["attr"][mask.upper()] = AttributeInfo(tag, keyword, name, vr, vm, bool(retired), None)
        if keyword:
            out["kw"][keyword] = mask.upper()
    out["masks"]["all"] = tuple(sorted(m.upper() for m in RepeatersDictionary))


def _uids(out: Sections) -> None:
    from pydicom.uid import UID_dictionary

    for uid, (name, kind, _info, retired, keyword) in UID_dictionary.items():
        out["uid"][uid] = UIDInfo(uid, name, kind, bool(retired), keyword or None)
        if keyword:
            out["uid_name"][norm(keyword)] = uid
        out["uid_name"].setdefault(norm(name), uid)


def _iods_and_modules(out: Sections, text: _Prose | None) -> None:
    from pydicom.datadict import tag_for_keyword
    from pydicom.uid import UID_dictionary

    sop_iod: dict[str, str] = _highdicom_table("sop_class_iod_map.json")
    iod_modules: dict[str, list[dict[str, str]]] = _highdicom_table("iod_module_map.json")
    module_attrs: dict[str, list[dict[str, Any]]] = _highdicom_table("module_attribute_map.json")

    module_names: dict[str, str] = {}
    for module_id in set(module_attrs) | {m["key"] for rows in iod_modules.values() for m in rows}:
        meta = text.modules.get(module_id) if text else None
        module_names[module_id] = meta["name"] if meta else title_from_id(module_id)

    sop_names: dict[str, list[str]] = defaultdict(list)
    for uid, iod_id in sop_iod.items():
        out["sop_iod"][uid] = iod_id
        if uid in UID_dictionary:
            sop_names[iod_id].append(UID_dictionary[uid][0])

    module_iods: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for iod_id, rows in iod_modules.items():
        meta = text.ciods.get(iod_id) if text else None
        name = meta["name"] if meta else _iod_name(iod_id, sop_names.get(iod_id, []))
        usages = tuple(
            ModuleUsage(row["key"], module_names[row["key"]], row["usage"],
                        text.iod_conditions.get((iod_id, row["key"])) if text else None, row.get("ie"))
            for row in rows
        )
        for usage in usages:
            module_iods[usage.module_id].append((iod_id, usage.usage))
        out["iod"][iod_id] = IODInfo(iod_id, name, usages,
                                     prose.plain(meta["description"]) if meta else None,
                                     meta["linkToStandard"] if meta else None)
        for alias in [iod_id, name, name + " IOD", *sop_names.get(iod_id, [])]:
            out["iod_name"].setdefault(norm(alias), iod_id)
    out["module_iods"] = {k: tuple(v) for k, v in module_iods.items()}

    uses: dict[str, list[AttributeUse]] = defaultdict(list)
    terms: dict[str, tuple[dict[str, None], dict[str, None]]] = defaultdict(lambda: ({}, {}))
    for module_id, rows in module_attrs.items():
        attributes = []
        for row in rows:
            tag = tag_for_keyword(row["keyword"])
            if tag is None:
                continue
            path = tuple(row["path"])
            condition = enumerated = defined = None
            if text:
                tags = [tag_for_keyword(k) for k in path] + [tag]
                if None not in tags:
                    key = ":".join([module_id.upper(), *(tag_key(t) for t in tags)])  # type: ignore[arg-type]
                    found = text.rows.get(key)
                    if found:
                        _plain, condition, enumerated, defined = found
            if not row["type"].endswith("C"):
                condition = None
            attributes.append(ModuleAttribute(path, row["keyword"], tag, row["type"], condition,
                                              enumerated, defined))
            if enumerated or defined:
                known = terms[tag_key(tag)]
                known[0].update(dict.fromkeys(enumerated or ()))
                known[1].update(dict.fromkeys(defined or ()))
            uses[tag_key(tag)].append(AttributeUse(module_id, module_names[module_id], path, row["type"],
                                                   condition))
        meta = text.modules.get(module_id) if text else None
        out["module"][module_id] = ModuleInfo(module_id, module_names[module_id], tuple(attributes),
                                              prose.plain(meta["description"]) if meta else None,
                                              meta["linkToStandard"] if meta else None)
        for alias in (module_id, module_names[module_id], module_names[module_id] + " Module"):
            out["module_name"].setdefault(norm(alias), module_id)
    out["attr_use"] = {k: tuple(v) for k, v in uses.items()}
    # Every enumerated value and defined term an attribute has in any module, for `explain`.
    out["terms"] = {k: (tuple(e) or None, tuple(d) or None) for k, (e, d) in terms.items()}


def _iod_name(iod_id: str, sop_class_names: list[str]) -> str:
    if len(sop_class_names) == 1 and sop_class_names[0].endswith(" Storage"):
        return sop_class_names[0][: -len(" Storage")]
    return title_from_id(iod_id)


def _package_data(name: str) -> Any:
    with resources.files("dicomhelp").joinpath("data", "standard", name).open("r", encoding="utf-8") as fh:
        return json.load(fh)


def _codes(out: Sections) -> None:
    from pydicom.sr._cid_dict import cid_concepts, name_for_cid
    from pydicom.sr._concepts_dict import concepts

    usage = _package_data("ps316_usage.json")
    groups: dict[str, dict[str, Any]] = usage["context_groups"]

    by_keyword: dict[tuple[str, str], list[CodeInfo]] = defaultdict(list)
    schemes_for_value: dict[str, list[str]] = defaultdict(list)
    for scheme, table in concepts.items():
        for keyword, values in table.items():
            for value, (meaning, cids) in values.items():
                code = CodeInfo(scheme, value, meaning)
                by_keyword[(scheme, keyword)].append(code)
                out["code"][f"{scheme}:{value}"] = (code, keyword, tuple(cids))
                if scheme not in schemes_for_value[value]:
                    schemes_for_value[value].append(scheme)
    out["code_value"] = {k: tuple(v) for k, v in schemes_for_value.items()}
    for cid, members in cid_concepts.items():
        codes = tuple(code for scheme, keywords in members.items()
                      for keyword in keywords for code in by_keyword.get((scheme, keyword), ()))
        keyword = name_for_cid.get(cid, "")
        meta = groups.get(str(cid), {})
        out["cid"][str(cid)] = CIDInfo(cid, camel_words(keyword), codes, keyword or None,
                                       meta.get("extensible"), meta.get("version"), meta.get("uid"))
        out["cid_name"][str(cid)] = camel_words(keyword)
    _template_uses(out, usage)


def _template_uses(out: Sections, usage: dict[str, Any]) -> None:
    """Which template rows name each code and each context group ("used in").

    The hand-written rows of templates.json (verified, current edition) come
    first; PixelMed's generated rows add the templates dicomhelp does not write
    by hand. A template both have is taken from templates.json only.
    """
    written = _package_data("templates.json")
    code_uses: dict[str, list[CodeUse]] = defaultdict(list)
    cid_uses: dict[str, list[CIDUse]] = defaultdict(list)
    names: dict[str, str] = {}
    meanings: dict[str, str] = {}
    for t in written["templates"]:
        number, name = t["number"], t["name"]
        names[str(number)] = name
        for r in t["rows"]:
            label, _level, rel, vt, concept, _vm, _req, _cond, value_set = r[:9]
            label = None if label is None else str(label)
            if concept and concept.count("|") == 2:
                value, scheme, meaning = concept.split("|")
                meanings.setdefault(f"{scheme}:{value}", meaning)
                code_uses[f"{scheme}:{value}"].append(
                    CodeUse(number, name, label, "concept name", rel, vt, "dicomhelp"))
            for text, role in ((concept, "concept names"), (value_set, "units" if (value_set or "").startswith(
                    "UNITS") else "values")):
                for m in re.finditer(r"\b([BDE]?)CID\s+(\d+)", text or ""):
                    cid_uses[m.group(2)].append(
                        CIDUse(number, name, label, role, m.group(1) or None, vt, "dicomhelp"))
    for key, t in usage["templates"].items():
        number = int(re.match(r"\d+", key).group())  # type: ignore[union-attr]
        if _handwritten(written, number):
            continue
        name = camel_words(t["name"]) if t["name"] else f"TID {number}"
        names.setdefault(str(number), name)
        if key == str(number):  # PixelMed's variants (4019Contains, 1400CN) only feed "used in"
            out["tid_table"][key] = (name, tuple(tuple(r) for r in t["rows"]), tuple(t["includes"]))
        for row in t["rows"]:
            label, _level, rel, vt, concept, concept_cid, value_cid, binding, fixed, units_cid, units, _req = row
            for code, role in ((concept, "concept name"), (fixed, "value"), (units, "unit")):
                if code:
                    meanings.setdefault(f"{code[1]}:{code[0]}", code[2])
                    code_uses[f"{code[1]}:{code[0]}"].append(CodeUse(number, name, label, role, rel, vt, "PixelMed"))
            for cid, role, bde in ((concept_cid, "concept names", None), (value_cid, "values", binding),
                                   (units_cid, "units", None)):
                if cid is not None:
                    cid_uses[str(cid)].append(CIDUse(number, name, label, role, bde, vt, "PixelMed"))
    out["code_use"] = {k: tuple(dict.fromkeys(v)) for k, v in code_uses.items()}
    # Codes the templates name that pydicom's dictionary lacks (UMLS C0034375 "Qualitative Evaluations").
    for key, meaning in meanings.items():
        if key not in out["code"] and meaning:
            scheme, value = key.split(":", 1)
            out["code"][key] = (CodeInfo(scheme, value, meaning), "", ())
            known = out["code_value"].get(value, ())
            if scheme not in known:
                out["code_value"][value] = (*known, scheme)
    out["cid_use"] = {k: tuple(dict.fromkeys(v)) for k, v in cid_uses.items()}
    # Context groups the templates name that pydicom has no entry for (CID 5000 Language, 5001 Country:
    # defined by reference to RFC 5646 / ISO 3166, so no code list): known by number and name, no members.
    groups = usage["context_groups"]
    for cid, uses in cid_uses.items():
        if cid in out["cid"]:
            continue
        meta = groups.get(cid, {})
        name = camel_words(meta["name"]) if meta.get("name") else _cid_name_in_rows(written, int(cid))
        out["cid"][cid] = CIDInfo(int(cid), name, (), None, meta.get("extensible"), meta.get("version"),
                                  meta.get("uid"))
        out["cid_name"][cid] = name
    out["tid_name"] = names
    out["meta"]["ps316_usage"] = usage["source"]


def _definitions(out: Sections) -> None:
    """PS3.16 Annex D's definitions of DCM codes, as its edition of ``dcm_definitions.json`` gives them."""
    table = _package_data("dcm_definitions.json")
    edition = table["source"]["edition"]
    fields = table["fields"]
    for value, row in table["codes"].items():
        entry = dict(zip(fields, row))
        replaced = entry["replaced_by"]
        out["code_def"][f"DCM:{value}"] = CodeDefinition(
            edition, entry["meaning"], entry["definition"], bool(entry["retired"]),
            CodeInfo(replaced[1], replaced[0], replaced[2]) if replaced else None, entry["comment"])
    out["meta"]["dcm_definitions"] = table["source"]


def _cid_name_in_rows(written: dict[str, Any], number: int) -> str:
    """The name a hand-written row gives a context group ("DCID 5000 Language" -> "Language")."""
    for t in written["templates"]:
        for r in t["rows"]:
            for text in (r[4], r[8]):
                m = re.search(rf"\bCID\s+{number}\s+([^;,(]+)", text or "")
                if m:
                    return m.group(1).strip()
    return f"CID {number}"


def _handwritten(written: dict[str, Any], number: int) -> bool:
    return any(t["number"] == number for t in written["templates"])
