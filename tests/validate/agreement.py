"""The mutation corpus and the scoring of dicomhelp's validator against dciodvfy.

Bases: pydicom's wheel files that are Part 10 objects of a known IOD, plus
objects the project creates (the sample CT study, an SC, and a whole result
set when ``create results`` exists). Mutants of each: a Type 1 attribute
removed, emptied, a Type 2 removed, a value outside an enumerated set, a
broken DA, UI and IS value, a mandatory module dropped.

Only IOD and attribute rules are scored. A disagreement listed in
docs/validation-disagreements.md is adjudicated: excluded from the score,
and every listed row must still occur in the run.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "validation-disagreements.md"
# dciodvfy messages that are IOD or attribute rules (others: DICOMDIR hints, dubious values, ...).
SCORED = re.compile(
    r"Missing attribute for Type|Empty attribute \(no value\)|Unrecognized enumerated value|"
    r"Value invalid for this VR|Illegal root for UID|Bad attribute Value Multiplicity"
)
OUR_SCORED = ("iod.", "values.", "sr.", "pstate.")
LANGUAGE = "121049"  # (121049, DCM, "Language of Content Item and Descendants"), TID 1204
PREFERRED_TYPE1 = ("Modality", "SeriesInstanceUID", "StudyInstanceUID", "ConversionType", "FrameOfReferenceUID",
                   "ImageType", "Rows")
PREFERRED_TYPE2 = ("PatientName", "PatientID", "StudyDate", "ReferringPhysicianName", "SeriesNumber",
                   "AccessionNumber", "InstanceNumber", "Manufacturer")
DROPPABLE_MODULES = ("frame-of-reference", "general-equipment", "sc-equipment", "sr-document-series",
                     "general-study")
MAX_BASES = 40


@dataclass
class Case:
    path: Path
    base: str
    mutation: str
    iod: str | None = None
    ours: list = field(default_factory=list)  # our error findings (scored rules)
    theirs: list = field(default_factory=list)  # dciodvfy's scored error findings
    dciodvfy_errors: int = 0


def base_files(tmp: Path) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support import pydicom_test_files

    from dicomhelp.validate.tables import tables

    k = tables()
    chosen: list[Path] = []
    seen_dirs: dict[str, int] = {}
    for p in pydicom_test_files():
        with open(p, "rb") as fh:
            head = fh.read(132)
        if head[128:132] != b"DICM":
            continue
        # dicomdirtests holds dozens of near-identical images: a few per folder are enough.
        folder = p.parent.name
        if seen_dirs.get(folder, 0) >= 2:
            continue
        try:
            from pydicom import dcmread

            ds = dcmread(p, stop_before_pixels=True)
            if k.iod_for_sop_class(str(ds.SOPClassUID)) is None:
                continue
            if int(ds.get("BitsAllocated", 8) or 8) == 32:
                continue  # dciodvfy aborts on 32-bit pixel data (see VALIDATORS.md)
        except Exception:
            continue
        seen_dirs[folder] = seen_dirs.get(folder, 0) + 1
        chosen.append(p)
    return chosen[:MAX_BASES] + created_objects(tmp / "created")


def created_objects(out: Path) -> list[Path]:
    """What the project creates, made here with its own commands (those that exist)."""
    import numpy as np

    from dicomhelp.samples import make_sample_study

    out.mkdir(parents=True, exist_ok=True)
    study = make_sample_study(out / "study")
    files = list(study)
    image = out / "mask.npy"
    np.save(image, (np.arange(64 * 64).reshape(64, 64) % 200).astype("uint8"))
    runs = {
        "sc.dcm": ["create", "sc", str(image), "--source", str(out / "study"), "-o", str(out / "sc.dcm")],
        "sc_rle.dcm": ["create", "sc", str(image), "--source", str(out / "study"), "--compression", "rle-lossless",
                       "-o", str(out / "sc_rle.dcm")],
    }
    for name, args in runs.items():
        proc = subprocess.run([sys.executable, "-m", "dicomhelp", *args], capture_output=True, text=True)
        if proc.returncode == 0 and (out / name).exists():
            files.append(out / name)
    example = ROOT / "src" / "dicomhelp" / "data" / "examples" / "results-example.yaml"
    if example.exists():
        proc = subprocess.run([sys.executable, "-m", "dicomhelp", "create", "results", str(example), "--source",
                               str(out / "study"), "-o", str(out / "results")], capture_output=True, text=True)
        if proc.returncode == 0:
            files.extend(sorted(p for p in (out / "results").rglob("*") if p.is_file() and p.name != "DICOMDIR"))
    return files


def _module_tags(iod_id: str, module_id: str) -> set[int]:
    from dicomhelp.validate.tables import tables

    k = tables()
    iod = k.iod(iod_id)
    others: set[int] = set()
    mine: set[int] = set()
    for usage in iod.modules:
        module = k.module(usage.module_id)
        if module is None:
            continue
        tags = {a.tag for a in module.attributes if not a.path}
        if usage.module_id == module_id:
            mine = tags
        else:
            others |= tags
    return mine - others


def _type12_tags(module_id: str) -> set[int]:
    from dicomhelp.validate.tables import tables

    module = tables().module(module_id)
    return {a.tag for a in module.attributes if not a.path and a.type in ("1", "2")} if module else set()


def _required(iod_id: str, wanted: str) -> list[str]:
    """Top-level attributes of the IOD's mandatory modules with type ``wanted``."""
    from dicomhelp.validate.tables import tables

    k = tables()
    out: list[str] = []
    for usage in k.iod(iod_id).modules:
        if usage.usage != "M":
            continue
        module = k.module(usage.module_id)
        for a in module.attributes if module else ():
            if not a.path and a.type == wanted:
                out.append(a.keyword)
    return out


def mutants(base: Path, out: Path, number: int = 0) -> list[tuple[str, Path]]:
    """Write the mutants of ``base`` into ``out``; return (mutation, path) pairs."""
    from pydicom import dcmread

    from dicomhelp.validate.tables import tables

    ds = dcmread(base, force=True)
    iod = tables().iod_for_sop_class(str(ds.SOPClassUID))
    if iod is None:
        return []
    type1 = [k for k in PREFERRED_TYPE1 if k in ds and k in _required(iod.id, "1")]
    type2 = [k for k in PREFERRED_TYPE2 if k in ds and k in _required(iod.id, "2")]
    changes: list[tuple[str, object]] = []
    if type1:
        changes.append((f"remove-type1:{type1[0]}", lambda d, k=type1[0]: delattr(d, k)))
        changes.append((f"empty-type1:{type1[0]}", lambda d, k=type1[0]: setattr(d, k, "")))
    if type2:
        changes.append((f"remove-type2:{type2[0]}", lambda d, k=type2[0]: delattr(d, k)))
    if "PatientSex" in _required(iod.id, "2"):
        changes.append(("enumerated:PatientSex", lambda d: setattr(d, "PatientSex", "X")))
    changes.append(("bad-DA:StudyDate", lambda d: setattr(d, "StudyDate", "2020-1-1")))
    changes.append(("bad-UI:SeriesInstanceUID", lambda d: setattr(d, "SeriesInstanceUID", "1.2.03.4")))
    changes.append(("bad-IS:InstanceNumber", lambda d: setattr(d, "InstanceNumber", "1.5")))
    for module_id in DROPPABLE_MODULES:
        if any(u.module_id == module_id and u.usage == "M" for u in iod.modules):
            tags = _module_tags(iod.id, module_id) & {int(t) for t in ds.keys()}
            # Only a drop that takes a Type 1/2 attribute breaks the object: a SEG's General Equipment
            # shares those with Enhanced General Equipment, leaving only Type 3 ones (Device UID) its own.
            if tags & _type12_tags(module_id):
                changes.append((f"drop-module:{module_id}", lambda d, t=tuple(tags): [d.pop(x) for x in t]))
                break
    if ds.get("GraphicAnnotationSequence"):
        changes.append(("dangling-layer:GraphicLayer",
                        lambda d: setattr(d.GraphicAnnotationSequence[0], "GraphicLayer", "NOT DEFINED")))
    if any(_concept(item) == LANGUAGE for item in ds.get("ContentSequence", [])):
        changes.append(("missing-language:", lambda d: setattr(
            d, "ContentSequence", [i for i in d.ContentSequence if _concept(i) != LANGUAGE])))
    written = []
    for name, change in changes:
        mutant = copy.deepcopy(ds)
        change(mutant)  # type: ignore[operator]
        target = out / f"{number:03d}_{base.stem}__{name.replace(':', '_')}.dcm"
        mutant.save_as(target, enforce_file_format=False)
        written.append((name, target))
    return written


def _concept(item: object) -> str | None:
    names = getattr(item, "ConceptNameCodeSequence", None)
    return str(names[0].get("CodeValue")) if names else None


def _key(path: str | None) -> str:
    return re.sub(r"\[\d+\]", "", path or "")


def run_dciodvfy(paths: Iterable[Path]) -> dict[Path, tuple[list, int]]:
    from dicomhelp.validate.dciodvfy import dciodvfy_path, parse_output

    exe = dciodvfy_path()
    assert exe, "dciodvfy is not installed"

    def one(p: Path) -> tuple[Path, tuple[list, int]]:
        proc = subprocess.run([exe, "-new", str(p)], capture_output=True, text=True, errors="replace", timeout=120)
        found = [f for f in parse_output(proc.stdout + proc.stderr) if f.severity.value == "error"]
        errors = len(found) + (1 if proc.returncode < 0 else 0)
        return p, ([f for f in found if SCORED.search(f.message) and f.path], errors)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, list(paths)))


def build_cases(tmp: Path) -> list[Case]:
    from dicomhelp.validate import validate_paths

    cases: list[Case] = []
    mutant_dir = tmp / "mutants"
    mutant_dir.mkdir(parents=True, exist_ok=True)
    for number, base in enumerate(base_files(tmp)):
        cases.append(Case(base, base.name, "original"))
        for name, path in mutants(base, mutant_dir, number):
            cases.append(Case(path, base.name, name))
    theirs = run_dciodvfy(c.path for c in cases)
    run = validate_paths([c.path for c in cases], jobs=2)
    ours = {Path(r.path): r for r in run.files}
    for case in cases:
        report = ours[case.path]
        case.iod = report.iod
        case.ours = [f for f in report.findings if f.severity.value == "error" and f.rule.startswith(OUR_SCORED)]
        case.theirs, case.dciodvfy_errors = theirs[case.path]
    return cases


@dataclass(frozen=True)
class Row:
    """One adjudicated disagreement of docs/validation-disagreements.md."""

    side: str  # "dciodvfy only" | "dicomhelp only"
    what: str  # a dciodvfy message fragment, or our rule id
    attribute: str  # keyword
    iods: str  # comma-separated IOD ids, or "*"
    supported_by: str
    why: str

    def matches(self, side: str, what: str, keyword: str | None, iod: str | None) -> bool:
        if side != self.side or (keyword or "") != self.attribute:
            return False
        if self.iods != "*" and (iod or "") not in [i.strip() for i in self.iods.split(",")]:
            return False
        return self.what in what if side == "dciodvfy only" else what == self.what


def read_table(path: Path = TABLE) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("side", "") or set(cells[0]) <= {"-", " "}:
            continue
        rows.append(Row(cells[0], cells[1].strip("`"), cells[2].strip("`"), cells[3].strip("`"), cells[4], cells[5]))
    return rows


@dataclass
class Score:
    their_errors: int = 0
    matched: int = 0
    adjudicated_theirs: int = 0
    passing_files: int = 0
    passing_clean: int = 0
    adjudicated_ours: int = 0
    missed: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    rows_hit: set = field(default_factory=set)

    @property
    def recall(self) -> float:
        return self.matched / self.their_errors if self.their_errors else 1.0

    @property
    def clean_rate(self) -> float:
        return self.passing_clean / self.passing_files if self.passing_files else 1.0


def score(cases: list[Case], rows: list[Row]) -> Score:
    s = Score()
    for case in cases:
        our_keys = {_key(f.path) for f in case.ours}
        for f in case.theirs:
            row = next((r for r in rows if r.matches("dciodvfy only", f.message, f.keyword, case.iod)), None)
            if _key(f.path) in our_keys:
                s.their_errors += 1
                s.matched += 1
            elif row is not None:
                s.adjudicated_theirs += 1
                s.rows_hit.add(row)
            else:
                s.their_errors += 1
                s.missed.append((case, f))
        # dciodvfy "passes" a file when it reports no scored error beyond the adjudicated ones.
        passes = all(any(r.matches("dciodvfy only", f.message, f.keyword, case.iod) for r in rows)
                     for f in case.theirs) and case.dciodvfy_errors == len(case.theirs)
        if passes:
            s.passing_files += 1
            remaining = []
            for f in case.ours:
                row = next((r for r in rows if r.matches("dicomhelp only", f.rule, f.keyword, case.iod)), None)
                if row is None:
                    remaining.append(f)
                else:
                    s.adjudicated_ours += 1
                    s.rows_hit.add(row)
            if remaining:
                s.extra.append((case, remaining))
            else:
                s.passing_clean += 1
        else:
            their_keys = {_key(f.path) for f in case.theirs}
            for f in case.ours:
                if _key(f.path) in their_keys:
                    continue
                row = next((r for r in rows if r.matches("dicomhelp only", f.rule, f.keyword, case.iod)), None)
                if row is not None:
                    s.rows_hit.add(row)
    return s
