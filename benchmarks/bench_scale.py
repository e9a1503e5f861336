"""Files per second of `anonymize` and `validate`: the local pool, a Dask LocalCluster of 1 and 2 workers,
and GDCM's `gdcmanon` / dicom3tools' `dciodvfy`, in the same run.

    python benchmarks/bench_scale.py [--files 1000] [--big 0] [--big-mb 5]

The clusters are started once (their start-up is printed apart: a real cluster is already
running) and reached by address, as `--cluster tcp://...` would; the local pool and the
external tools are timed as whole processes. `--big N` adds N files of `--big-mb` MB each.
The per-task overhead of the cluster is measured with tasks that do nothing: one file per
task against the default batch size. Files are generated under benchmarks/_work (gitignored).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "scale"
DICOMHELP = [sys.executable, "-m", "dicomhelp"]
ENV = {**os.environ, "NO_COLOR": "1"}
SECRET = "bench"


def make_files(folder: Path, count: int, pixel_mb: float = 0) -> Path:
    """``count`` copies of CT_small.dcm with their own patient and UIDs (bigger Pixel Data when asked)."""
    from dicomhelp.edit.files import read_for_edit, write_like_source
    from dicomhelp.io import sample_file

    if folder.exists() and len(list(folder.rglob("*.dcm"))) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    base = read_for_edit(sample_file("CT_small.dcm"))
    if pixel_mb:
        side = int((pixel_mb * 1e6 / 2) ** 0.5)
        base.Rows = base.Columns = side
        base.PixelData = bytes(side * side * 2)
    for i in range(count):
        base.PatientID, base.PatientName = f"P{i // 100:05d}", f"Doe^P{i // 100:05d}"
        base.StudyInstanceUID = f"1.2.826.0.1.3680043.10.1069.7.{i // 100}"
        base.SOPInstanceUID = base.file_meta.MediaStorageSOPInstanceUID = f"1.2.826.0.1.3680043.10.1069.8.{i}"
        write_like_source(base, folder / f"{i // 1000:03d}" / f"{i:06d}.dcm")
    return folder


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, text=True)
    if proc.returncode not in (0, 1):
        print(f"    ! {Path(cmd[0]).name} exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    return time.perf_counter() - start


def line(label: str, seconds: float, files: int) -> None:
    print(f"    {label:<34} {seconds:7.2f} s  {files / seconds:8.1f} files/s")


def _nothing(item: object) -> object:
    return item


def bench(folder: Path, files: int, clusters: dict[int, str]) -> None:
    from functools import partial

    from dicomhelp.edit import anonymize as an
    from dicomhelp.validate import ValidateOptions, validate_paths

    out = WORK / "out"
    print(f"  anonymize ({files} files)")
    shutil.rmtree(out, ignore_errors=True)
    line("local pool (whole command, -j 2)", timed([*DICOMHELP, "anonymize", str(folder), str(out),
                                                     "--secret", SECRET, "-j", "2"]), files)
    from dicomhelp.io import OutputFolder

    settings = an.Settings(secret=SECRET, options=frozenset())
    for n, address in clusters.items():
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        with OutputFolder(out) as staged:
            jobs = an.plan_jobs(folder, out, keep_names=True, folder=staged)
            done = an.run_jobs(jobs, settings, cluster=address)
            an.place_outputs(done, staged)
        line(f"LocalCluster, {n} worker(s)", time.perf_counter() - start, files)
        assert not any(r.error for r in done), next(r.error for r in done if r.error)
    gdcmanon = shutil.which("gdcmanon")
    if gdcmanon and shutil.which("openssl"):
        key, cert = WORK / "key.pem", WORK / "cert.pem"
        if not cert.exists():
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                            "-out", str(cert), "-days", "1", "-subj", "/CN=bench"], capture_output=True,
                           check=True)
        shutil.rmtree(WORK / "gdcm", ignore_errors=True)
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):  # gdcmanon -i DIR does not recurse
            (WORK / "gdcm" / sub.name).mkdir(parents=True)
        start = time.perf_counter()
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            timed([gdcmanon, "-e", "-c", str(cert), "--continue", "-i", str(sub), "-o", str(WORK / "gdcm" / sub.name)])
        line("gdcmanon -e (1 process per folder)", time.perf_counter() - start, files)

    print(f"  validate ({files} files)")
    line("local pool (whole command, -j 2)", timed([*DICOMHELP, "validate", str(folder), "-q", "-j", "2"]), files)
    for n, address in clusters.items():
        start = time.perf_counter()
        validate_paths([folder], options=ValidateOptions(), cluster=address)
        line(f"LocalCluster, {n} worker(s)", time.perf_counter() - start, files)
    dciodvfy = shutil.which("dciodvfy") or str(Path(sys.executable).parent / "dciodvfy")
    if Path(dciodvfy).exists():
        sample = sorted(folder.rglob("*.dcm"))[:50]
        start = time.perf_counter()
        for f in sample:
            timed([dciodvfy, str(f)])
        line(f"dciodvfy loop ({len(sample)} files, 1 proc)", time.perf_counter() - start, len(sample))

    from dicomhelp import cluster

    print("  per-task overhead (tasks that do nothing)")
    items = list(range(2000))
    for n, address in clusters.items():
        with cluster.connect(address) as client:
            for size in (1, cluster.batch_size(len(items), n)):
                start = time.perf_counter()
                list(cluster.run_on(client, partial(_nothing), items, lost=lambda i, m: i, batch=size))
                seconds = time.perf_counter() - start
                tasks = -(-len(items) // size)
                print(f"    {n} worker(s), {size:3d} per task: {tasks:5d} tasks in {seconds:6.2f} s, "
                      f"{seconds / tasks * 1000:6.2f} ms per task")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000, help="small files (CT_small.dcm copies, 39 kB)")
    parser.add_argument("--big", type=int, default=0, help="also this many big files")
    parser.add_argument("--big-mb", type=float, default=5, help="size of a big file's Pixel Data, MB")
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes to time")
    args = parser.parse_args()
    from contextlib import ExitStack

    from dicomhelp import cluster

    WORK.mkdir(parents=True, exist_ok=True)
    small = make_files(WORK / f"small_{args.files}", args.files)
    with ExitStack() as stack:
        clusters = {}
        for n in (int(w) for w in args.workers.split(",")):
            start = time.perf_counter()
            client = stack.enter_context(cluster.connect(f"local:{n}"))
            client.run(lambda: __import__("dicomhelp.edit.anonymize"))  # as a running cluster would have
            print(f"LocalCluster of {n} started in {time.perf_counter() - start:.1f} s")
            clusters[n] = str(client.scheduler.address)
        bench(small, args.files, clusters)
        if args.big:
            big = make_files(WORK / f"big_{args.big}x{args.big_mb:g}", args.big, args.big_mb)
            bench(big, args.big, clusters)
    return 0


if __name__ == "__main__":
    sys.exit(main())
