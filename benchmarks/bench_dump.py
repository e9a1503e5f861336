"""Benchmarks for `dicomhelp dump`, printed side by side with DCMTK's dcmdump and `pydicom show`.

    python benchmarks/bench_dump.py [--frames 200] [--batch 1000] [--runs 5]

(a) header work must not grow with pixel size: dump of a ~100 MB multi-frame file
    against a 1-frame file with the same header (goal: ratio <= 1.5);
(b) start-up: `dicomhelp dump small.dcm` and `dicomhelp --help` against `pydicom show`
    and `dcmdump` (goal: dump <= 1.2x pydicom show; --help must not import pydicom);
(c) batch: one `dicomhelp dump DIR` over N small files against a dcmdump-per-file loop
    (goal: >= 5x faster).

Files are generated under benchmarks/_work (gitignored). Timings are medians of wall-clock
times of whole processes; machines are noisy, so only the side-by-side ratios mean much.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
BIN = Path(sys.executable).parent
DICOMHELP = [sys.executable, "-m", "dicomhelp"]
ENV = {**os.environ, "NO_COLOR": "1"}


def timed(*cmds: list[str], runs: int) -> list[float]:
    """Median wall-clock seconds of each command (output discarded).

    The commands take turns, so a change in the machine's load hits all of them alike.
    """
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, out in zip(cmds, times):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, check=False)
            out.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def make_files(frames: int, batch: int) -> tuple[Path, Path, Path]:
    """A big multi-frame file, the same header with one frame, and a folder of small files."""
    from pydicom import dcmread

    from dicomhelp.io import sample_file, write_atomic

    WORK.mkdir(exist_ok=True)
    big, one = WORK / f"mf_{frames}.dcm", WORK / "mf_1.dcm"
    template = dcmread(sample_file("CT_small.dcm"))
    template.Rows = template.Columns = 512
    frame = bytes(512 * 512 * 2)
    for path, n in ((big, frames), (one, 1)):
        if not path.exists():
            ds = template.copy()
            ds.NumberOfFrames = n
            ds.PixelData = frame * n
            write_atomic(ds, path)
    folder = WORK / f"batch_{batch}"
    if not folder.exists() or len(list(folder.iterdir())) != batch:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        src = sample_file("CT_small.dcm").read_bytes()
        for i in range(batch):
            (folder / f"IM{i:05d}.dcm").write_bytes(src)
    return big, one, folder


def imports_of(args: list[str]) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "dicomhelp", *args],
                          capture_output=True, text=True, env=ENV)
    return {ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines() if "|" in ln}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=200, help="frames of 512x512x16 bit (200: 105 MB)")
    parser.add_argument("--batch", type=int, default=1000, help="small files for the batch test")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    dcmdump = shutil.which("dcmdump")
    big, one, folder = make_files(args.frames, args.batch)
    small = folder / "IM00000.dcm"
    ok = True

    print(f"(a) header work vs pixel size: {big.name} {big.stat().st_size / 1e6:.0f} MB vs {one.name} "
          f"{one.stat().st_size / 1e6:.1f} MB, median of {args.runs}")
    t_big, t_one = timed([*DICOMHELP, "dump", str(big)], [*DICOMHELP, "dump", str(one)], runs=args.runs)
    ratio = t_big / t_one
    print(f"    dicomhelp dump   big {t_big * 1000:7.1f} ms   1-frame {t_one * 1000:7.1f} ms   ratio {ratio:.2f}"
          f"   (goal <= 1.5: {'ok' if ratio <= 1.5 else 'MISSED'})")
    ok &= ratio <= 1.5
    if dcmdump:
        d_big, d_one = timed([dcmdump, str(big)], [dcmdump, str(one)], runs=args.runs)
        print(f"    dcmdump          big {d_big * 1000:7.1f} ms   1-frame {d_one * 1000:7.1f} ms   ratio "
              f"{d_big / d_one:.2f}")

    runs = max(args.runs, 10)
    print(f"(b) start-up on {small.name} ({small.stat().st_size // 1024} KB), median of {runs}")
    show = [str(BIN / "pydicom"), "show", str(small)]
    t_dump, t_help, t_show, t_dcm = timed([*DICOMHELP, "dump", str(small)], [*DICOMHELP, "--help"], show,
                                          [dcmdump or "true", str(small)], runs=runs)
    print(f"    dicomhelp dump   {t_dump * 1000:7.1f} ms")
    print(f"    dicomhelp --help {t_help * 1000:7.1f} ms")
    print(f"    pydicom show     {t_show * 1000:7.1f} ms   dump/show {t_dump / t_show:.2f} "
          f"(goal <= 1.2: {'ok' if t_dump / t_show <= 1.2 else 'MISSED'})")
    ok &= t_dump / t_show <= 1.2
    if dcmdump:
        print(f"    dcmdump          {t_dcm * 1000:7.1f} ms")
    help_imports = imports_of(["--help"])
    heavy = sorted({"pydicom", "numpy", "highdicom", "rich"} & help_imports)
    print(f"    --help imports pydicom/numpy/highdicom/rich: {heavy or 'none'} "
          f"({'ok' if not heavy else 'MISSED'})")
    ok &= not heavy
    dump_heavy = sorted({"highdicom", "rich"} & imports_of(["dump", str(small)]))
    print(f"    dump imports highdicom/rich: {dump_heavy or 'none'} ({'ok' if not dump_heavy else 'MISSED'})")
    ok &= not dump_heavy

    files = sorted(folder.iterdir())
    print(f"(c) batch: {len(files)} files (wall clock, and CPU seconds of all processes: "
          "the CPU figure does not depend on what else the machine is doing)")
    cpu0, start = children_cpu(), time.perf_counter()
    subprocess.run([*DICOMHELP, "dump", str(folder)], stdout=subprocess.DEVNULL, env=ENV, check=True)
    t_batch, c_batch = time.perf_counter() - start, children_cpu() - cpu0
    print(f"    dicomhelp dump DIR (one call)   wall {t_batch:6.2f} s  cpu {c_batch:6.2f} s  "
          f"{t_batch / len(files) * 1000:5.2f} ms/file")
    if dcmdump:
        cpu0, start = children_cpu(), time.perf_counter()
        for f in files:
            subprocess.run([dcmdump, str(f)], stdout=subprocess.DEVNULL, check=False)
        t_loop, c_loop = time.perf_counter() - start, children_cpu() - cpu0
        speedup = t_loop / t_batch
        print(f"    dcmdump per-file loop           wall {t_loop:6.2f} s  cpu {c_loop:6.2f} s  "
              f"{t_loop / len(files) * 1000:5.2f} ms/file")
        print(f"    dicomhelp is {speedup:.1f}x faster by the clock, {c_loop / c_batch:.1f}x by CPU time "
              f"(goal >= 5: {'ok' if speedup >= 5 else 'MISSED'})")
        ok &= speedup >= 5
    return 0 if ok else 1


def children_cpu() -> float:
    """User + system CPU seconds of every finished child process (pool workers included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
