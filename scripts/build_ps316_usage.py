#!/usr/bin/env python3
"""Regenerate src/dicomhelp/data/standard/ps316_usage.json from PixelMed's generated PS3.16 tables.

PixelMed's jar (Debian ``libpixelmed-java``, pulled in by ``pixelmed-apps``, which
CI installs for its SR validator) carries two files its author generates from
PS3.16:

- ``com/pixelmed/validate/DicomContextGroupsSource.xml``: context groups with
  their extensibility (PS3.16 "Type: Extensible / Non-extensible"), version and UID;
- ``com/pixelmed/validate/DicomSRDescriptionsCompiled.xsl``: the rows of every
  template the validator checks (concept name, value type, relationship, value
  set, units, requirement) and the templates each includes.

From them this script keeps what dicomhelp's "where is this code used" needs:
per context group its extensibility, version and UID; per template its name,
rows and includes. Code meanings and CID membership come from pydicom (see
``standard/build.py``); nothing here is code or prose of PixelMed's.

    python scripts/build_ps316_usage.py          # rewrites the data file
    python scripts/build_ps316_usage.py --check  # exit 1 if the committed file differs
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datafile import write_or_check  # noqa: E402

JAR = Path("/usr/share/java/pixelmed.jar")
GROUPS = "com/pixelmed/validate/DicomContextGroupsSource.xml"
TEMPLATES = "com/pixelmed/validate/DicomSRDescriptionsCompiled.xsl"
OUT = Path(__file__).resolve().parent.parent / "src" / "dicomhelp" / "data" / "standard" / "ps316_usage.json"

_GROUP = re.compile(r"<definecontextgroup\s+([^>]*?)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_TEMPLATE = re.compile(r'<xsl:template name="TID_(\d+)([A-Za-z_]*)">(.*?)</xsl:template>', re.S)
_CHECK = re.compile(r'<xsl:call-template name="CheckContentItem">(.*?)</xsl:call-template>', re.S)
_INCLUDE = re.compile(r'<xsl:call-template name="TID_(\d+)[A-Za-z_]*">')
_PARAM = re.compile(r"""<xsl:with-param name="(\w+)" select="'((?:[^']|&apos;)*)'"/>""")
_DESC = re.compile(r"^Template (\d+) (\w+)/.*\[Row ([0-9A-Za-z]+)\][^/]*$")
_VALUE_TYPES = {"container": "CONTAINER", "code": "CODE", "num": "NUM", "text": "TEXT", "uidref": "UIDREF",
                "pname": "PNAME", "date": "DATE", "time": "TIME", "datetime": "DATETIME", "image": "IMAGE",
                "composite": "COMPOSITE", "waveform": "WAVEFORM", "scoord": "SCOORD", "scoord3d": "SCOORD3D",
                "tcoord": "TCOORD", "table": "TABLE"}


def jar_files() -> tuple[str, dict[str, bytes]]:
    if not JAR.exists():
        sys.exit(f"{JAR} is missing: apt-get install libpixelmed-java (or pixelmed-apps)")
    real = JAR.resolve()
    with zipfile.ZipFile(real) as jar:
        return real.name, {name: jar.read(name) for name in (GROUPS, TEMPLATES)}


def context_groups(xml: str) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for m in _GROUP.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        cid = attrs.get("cid", "")
        if not cid.isdigit():  # PixelMed's own groups (RPH_7001, IHETFH3, ...) are not PS3.16's
            continue
        out[str(int(cid))] = {
            "name": attrs.get("name", ""),
            "extensible": attrs.get("extensible", "").upper() in ("T", "TRUE"),
            "version": attrs.get("version") or None,
            "uid": attrs.get("uid") or None,
        }
    return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def _code(cv: str, csd: str, cm: str) -> list[str] | None:
    return [cv, csd, cm] if cv and csd else None


def templates(xsl: str) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for m in _TEMPLATE.finditer(xsl):
        number, variant, body = m.group(1), m.group(2), m.group(3)
        name = ""
        named = re.search(r"Checking Template: TID_\d+[A-Za-z_]* \((\w+)\)", body)
        if named:
            name = named.group(1)
        rows: list[list[object]] = []
        seen: set[str] = set()
        includes: list[int] = []
        for piece in re.finditer(f"{_CHECK.pattern}|{_INCLUDE.pattern}", body, re.S):
            if piece.group(2):  # an included template
                included = int(piece.group(2))
                if included not in includes and str(included) != number:
                    includes.append(included)
                continue
            params = {k: html.unescape(v.replace("&apos;", "'")) for k, v in _PARAM.findall(piece.group(1))}
            desc = _DESC.match(params.get("description", ""))
            label = desc.group(3) if desc else params.get("row", "")
            key = json.dumps([label, params.get("nestingLevel"), params.get("cvConceptName"),
                              params.get("conceptNameCID"), params.get("valueType")])
            if key in seen:  # PixelMed repeats a conditional row once per branch
                continue
            seen.add(key)
            rows.append([
                label,
                int(params.get("nestingLevel") or 1) - 1,
                params.get("relationship") or None,
                _VALUE_TYPES.get(params.get("valueType", ""), params.get("valueType", "").upper() or None),
                _code(params.get("cvConceptName", ""), params.get("csdConceptName", ""),
                      params.get("cmConceptName", "")),
                int(params["conceptNameCID"]) if params.get("conceptNameCID", "").isdigit() else None,
                int(params["valueSetCID"]) if params.get("valueSetCID", "").isdigit() else None,
                params.get("valueSetBDE") or None,
                _code(params.get("cvValue", ""), params.get("csdValue", ""), params.get("cmValue", "")),
                int(params["unitsCID"]) if params.get("unitsCID", "").isdigit() else None,
                _code(params.get("cvUnits", ""), params.get("csdUnits", ""), params.get("cmUnits", "")),
                params.get("requiredType") or None,
            ])
        key = number if not variant else f"{number}{variant}"
        if not name and desc_name(body):
            name = desc_name(body)
        out[key] = {"name": name, "rows": rows, "includes": includes}
    return dict(sorted(out.items(), key=lambda kv: (int(re.match(r"\d+", kv[0]).group()), kv[0])))  # type: ignore[union-attr]


def desc_name(body: str) -> str:
    m = re.search(r"Template \d+ (\w+)/", body)
    return m.group(1) if m else ""


def build() -> dict[str, object]:
    jar_name, files = jar_files()
    groups = context_groups(files[GROUPS].decode("utf-8"))
    tids = templates(files[TEMPLATES].decode("utf-8"))
    versions = sorted(v["version"] for v in groups.values() if v["version"])  # type: ignore[misc]
    return {
        "source": {
            "standard": "DICOM PS3.16 (context groups: Annex B; templates: Annex A)",
            "edition": f"as generated into PixelMed's {jar_name} (newest context group version {versions[-1]})",
            "taken_from": f"{jar_name} (Debian libpixelmed-java): {GROUPS}, {TEMPLATES}",
            "taken_from_sha256": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
            "generator": "scripts/build_ps316_usage.py",
            "attribution": "Derived from the DICOM Standard (c) NEMA, as PixelMed (D. Clunie) compiles it; "
                           "numbers, names, flags and row facts only.",
        },
        "row_fields": ["label", "nesting_level", "relationship", "value_type", "concept", "concept_cid",
                       "value_set_cid", "value_set_binding", "fixed_value", "units_cid", "fixed_units",
                       "requirement"],
        "context_groups": groups,
        "templates": tids,
    }


def render(table: dict[str, object]) -> str:
    # One template row per line: the file stays reviewable in a diff.
    text = json.dumps(table, indent=1, ensure_ascii=False)
    return re.sub(r"\[\n\s+([^\[\]{}]*?)\n\s+\]", lambda m: "[" + re.sub(r",\n\s+", ", ", m.group(1)) + "]",
                  text) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    text = render(build())
    return write_or_check(args.out, text, args.check, str(JAR))


if __name__ == "__main__":
    sys.exit(main())
