"""Benchmark of `dicomhelp explain`, side by side with dicom3tools' `dckey` and `pydicom show`.

    python benchmarks/bench_explain.py [--runs 7] [--cold-runs 2]

- cold: the first `explain` with an empty cache folder (compiles the index from pydicom,
  highdicom and dicom-standard);
- warm: later `explain` calls on the same terms (read a few rows of the index);
- dckey: dicom3tools' dictionary lookup of the same attribute in a small file;
- pydicom show: the reference for start-up cost (goal: warm explain <= 1.2x pydicom show).

Timings are medians of wall-clock times of whole processes; only the ratios mean much.
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

BIN = Path(sys.executable).parent
TERMS = ["PatientName", "(0040,A010)", "CS", "1.2.840.10008.5.1.4.1.1.88.22", "DCM:121049", "CID 7469",
         "TID 1500", "Enhanced SR", "99SHSAIRC:CHESTCT0304", "CS (0040,a010) RelationshipType HAS CONCEPT MOD"]
DCKEY_KEYS = {"PatientName": "PatientName", "(0040,A010)": "(0x0040,0xa010)"}


def explain_cmd(term: str) -> list[str]:
    script = BIN / "dicomhelp"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "dicomhelp"]
    return base + ["explain", *term.split(" ")]


def timed(cmd: list[str], runs: int, env: dict[str, str], fresh_cache: bool = False) -> float:
    times = []
    for _ in range(runs):
        run_env = dict(env)
        folder = None
        if fresh_cache:
            folder = tempfile.mkdtemp(prefix="dicomhelp-bench-")
            run_env["DICOMHELP_CACHE_DIR"] = folder
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=run_env, check=False)
        times.append(time.perf_counter() - start)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')}")
    return statistics.median(times)


def tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=2)
    args = parser.parse_args()

    from dicomhelp.io import sample_file

    small = str(sample_file("CT_small.dcm"))
    print(f"load average (1, 5, 15 min) at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cache = tempfile.mkdtemp(prefix="dicomhelp-bench-warm-")
    env = {**os.environ, "NO_COLOR": "1", "DICOMHELP_CACHE_DIR": cache}
    try:
        cold = timed(explain_cmd("PatientName"), args.cold_runs, env, fresh_cache=True)
        timed(explain_cmd("PatientName"), 1, env)  # builds the warm cache
        pydicom_bin = tool("pydicom")
        show = timed([pydicom_bin, "show", small], args.runs, env) if pydicom_bin else float("nan")
        dckey = tool("dckey")
        print(f"{'term':34} {'explain warm':>13} {'dckey':>9}")
        warm_times = []
        for term in TERMS:
            warm = timed(explain_cmd(term), args.runs, env)
            warm_times.append(warm)
            key = DCKEY_KEYS.get(term)
            ref = (timed([dckey, "-describe", "-noerror", "-k", key, small], args.runs, env)
                   if dckey and key else None)
            ref_text = f"{ref * 1000:7.0f}ms" if ref is not None else "      n/a"
            print(f"{term:34} {warm * 1000:11.0f}ms {ref_text}")
        worst = max(warm_times)
        print()
        print(f"cold explain (index build, empty cache): {cold * 1000:7.0f} ms")
        print(f"warm explain, median of terms:           {statistics.median(warm_times) * 1000:7.0f} ms "
              f"(slowest {worst * 1000:.0f} ms)")
        print(f"pydicom show CT_small.dcm:               {show * 1000:7.0f} ms")
        ratio = worst / show if show == show and show > 0 else float("nan")
        verdict = "OK" if ratio <= 1.2 else "SLOWER than the goal"
        print(f"slowest warm explain / pydicom show:     {ratio:7.2f}   (goal <= 1.2: {verdict})")
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
