"""The PS3.15 Annex E action tables, loaded from the generated data file.

``data/ps315/table_e1_1.json`` is written by ``scripts/build_ps315_table.py``
and records its source and the edition of the standard. Options are named as
in the standard; :data:`OPTION_CODES` are their CID 7050 codes (PS3.16).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from dicomhelp.errors import UsageError

RETAIN_SAFE_PRIVATE = "retain_safe_private"
RETAIN_UIDS = "retain_uids"
RETAIN_DEVICE = "retain_device_identity"
RETAIN_INSTITUTION = "retain_institution_identity"
RETAIN_PATIENT_CHARS = "retain_patient_characteristics"
RETAIN_FULL_DATES = "retain_longitudinal_full_dates"
RETAIN_MODIFIED_DATES = "retain_longitudinal_modified_dates"
CLEAN_DESCRIPTORS = "clean_descriptors"
CLEAN_STRUCTURED_CONTENT = "clean_structured_content"
CLEAN_GRAPHICS = "clean_graphics"

# option key -> (CID 7050 code value, code meaning); 113100 is the Basic Profile itself.
BASIC_CODE = ("113100", "Basic Application Confidentiality Profile")
OPTION_CODES: dict[str, tuple[str, str]] = {
    CLEAN_GRAPHICS: ("113103", "Clean Graphics Option"),
    CLEAN_STRUCTURED_CONTENT: ("113104", "Clean Structured Content Option"),
    CLEAN_DESCRIPTORS: ("113105", "Clean Descriptors Option"),
    RETAIN_FULL_DATES: ("113106", "Retain Longitudinal Temporal Information Full Dates Option"),
    RETAIN_MODIFIED_DATES: ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    RETAIN_PATIENT_CHARS: ("113108", "Retain Patient Characteristics Option"),
    RETAIN_DEVICE: ("113109", "Retain Device Identity Option"),
    RETAIN_UIDS: ("113110", "Retain UIDs Option"),
    RETAIN_SAFE_PRIVATE: ("113111", "Retain Safe Private Option"),
    RETAIN_INSTITUTION: ("113112", "Retain Institution Identity Option"),
}


@dataclass(frozen=True)
class Rule:
    tag: str  # 8 hex digits, 'x' for a repeating group digit; or "PRIVATE"
    name: str
    basic: str
    options: dict[str, str]
    retired: bool

    def action(self, options: frozenset[str]) -> str:
        """The action with ``options`` on: an option's code overrides the Basic Profile's.

        When two enabled options disagree (Retain Device Identity says K, Retain
        Modified Dates says C for a calibration date) the more protective C wins.
        """
        chosen = [self.options[o] for o in sorted(options) if o in self.options]
        if not chosen:
            return self.basic
        if "C" in chosen:
            return "C"
        if "K" in chosen:
            return "K"
        return chosen[0]


@dataclass(frozen=True)
class ContentRule:
    code: str
    scheme: str
    meaning: str
    value_type: str
    basic: str
    options: dict[str, str]

    def action(self, options: frozenset[str]) -> str:
        return Rule("", self.meaning, self.basic, self.options, False).action(options)


@dataclass(frozen=True)
class Table:
    source: dict[str, Any]
    exact: dict[int, Rule]
    repeating: tuple[tuple[re.Pattern[str], Rule], ...]
    content: dict[tuple[str, str], tuple[ContentRule, ...]]
    option_names: dict[str, str]

    @property
    def edition(self) -> str:
        return str(self.source["edition"])

    def rule(self, tag: int) -> Rule | None:
        found = self.exact.get(tag)
        if found is not None:
            return found
        if 0x5000 <= (tag >> 16) <= 0x60FF:  # curves (50xx) and overlays (60xx) repeat
            text = f"{tag:08X}"
            for pattern, rule in self.repeating:
                if pattern.match(text):
                    return rule
        return None

    def content_rule(self, code: str, scheme: str, value_type: str) -> ContentRule | None:
        rows = self.content.get((code.strip(), scheme.strip()))
        if not rows:
            return None
        for row in rows:
            if row.value_type == value_type:
                return row
        return rows[0]


@lru_cache(maxsize=1)
def load_table() -> Table:
    data = json.loads(resources.files("dicomhelp").joinpath("data/ps315/table_e1_1.json").read_text("utf-8"))
    exact: dict[int, Rule] = {}
    repeating = []
    for r in data["rules"]:
        rule = Rule(r["tag"], r["name"], r["basic"], dict(r["options"]), r["retired"])
        if r["tag"] == "PRIVATE":
            continue
        if "x" in r["tag"]:
            repeating.append((re.compile("^" + r["tag"].replace("x", "[0-9A-F]") + "$"), rule))
        else:
            exact[int(r["tag"], 16)] = rule
    content: dict[tuple[str, str], list[ContentRule]] = {}
    for c in data["content_items"]:
        row = ContentRule(c["code"], c["scheme"], c["meaning"], c["value_type"], c["basic"], dict(c["options"]))
        content.setdefault((row.code, row.scheme), []).append(row)
    return Table(data["source"], exact, tuple(repeating), {k: tuple(v) for k, v in content.items()},
                 dict(data["options"]))


def option_key(name: str) -> str:
    """An option by its standard name ("Retain UIDs", "Retain UIDs Option") or key ("retain_uids")."""
    wanted = re.sub(r"[^a-z]", "", name.lower().removesuffix(" option"))
    aliases = {
        "retainlongitudinaltemporalinformationwithfulldates": RETAIN_FULL_DATES,
        "retainlongitudinaltemporalinformationfulldates": RETAIN_FULL_DATES,
        "retainlongitudinaltemporalinformationwithmodifieddates": RETAIN_MODIFIED_DATES,
        "retainlongitudinaltemporalinformationmodifieddates": RETAIN_MODIFIED_DATES,
    }
    if wanted in aliases:
        return aliases[wanted]
    for key, (_code, meaning) in OPTION_CODES.items():
        if wanted in (re.sub(r"[^a-z]", "", key), re.sub(r"[^a-z]", "", meaning.lower().removesuffix(" option"))):
            return key
    names = "; ".join(m.removesuffix(" Option") for _c, m in OPTION_CODES.values())
    raise UsageError(f"unknown option '{name}'", hint=f"options: {names}")


@lru_cache(maxsize=1)
def load_safe_private() -> tuple[dict[str, Any], frozenset[tuple[int, str, int]]]:
    """Table E.3.10-1: (group, creator, element byte) of the private attributes known to be safe."""
    data = json.loads(resources.files("dicomhelp").joinpath("data/ps315/safe_private_e3_10_1.json")
                      .read_text("utf-8"))
    rows = frozenset((int(r["group"], 16), r["creator"], int(r["element_byte"], 16)) for r in data["rows"])
    return data["source"], rows
