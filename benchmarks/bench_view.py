"""``dicomhelp view``: how fast pages and frames arrive, how long an export takes, what the folder index costs.

    python benchmarks/bench_view.py [--repeat 5] [--frames 200]

Made in a temporary folder: the sample CT study (1-frame 128x128 slices), a
200-frame 512x512 16-bit Secondary Capture (105 MB, ``dicomhelp create sc``)
and the tour's result set. The real server (``dicomhelp view DIR``) runs in a
subprocess; each figure is the median (and best) of ``--repeat`` requests over
loopback, measured to the response's first byte (TTFB) and to its last:

- the instance page (tree, findings, explanations' keys, viewer) and the first
  frame as PNG, for a CT slice and the 105 MB file, each first request on a
  fresh server (nothing cached) and then warm; side by side with DCMTK on the
  same file in the same run: ``dcmdump`` (the header as text) and ``dcm2pnm``
  (frame 1 to PNG), each a whole process;
- the export of the tour's result set (``dicomhelp view DIR --export``, the
  whole command) next to ``dicomhelp validate --as-set`` of the same folder;
- the peak memory of indexing a folder (headers read, every file validated)
  of small images against one of images 1000x larger: it must not grow with
  the pixel data.

Goals (issue 13): instance page <= 300 ms, first frame of the 105 MB file
<= 1 s, folder-index memory independent of pixel size. The machine is
shared: the load is printed before and after, compare rows of one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def dicomhelp(*args: str) -> list[str]:
    return [sys.executable, "-m", "dicomhelp", *args]


def make_data(work: Path, frames: int) -> dict[str, Path]:
    import numpy as np

    from dicomhelp.create.results import create_results, example_spec_path
    from dicomhelp.samples import make_sample_study

    study = work / "served" / "study"
    make_sample_study(study)
    rng = np.random.default_rng(1)
    pixels = (rng.normal(1000, 200, (frames, 512, 512)).clip(0, 4095)).astype(np.uint16)
    np.save(work / "frames.npy", pixels)
    big = work / "served" / "big" / "mf.dcm"
    big.parent.mkdir(parents=True)
    subprocess.run(dicomhelp("create", "sc", str(work / "frames.npy"), "--source", str(study), "-o", str(big)),
                   check=True, capture_output=True)
    (work / "frames.npy").unlink()
    results = work / "results"
    create_results(example_spec_path(), study, results)
    return {"ct": study / "CT0001.dcm", "big": big, "served": work / "served", "results": results}


class Server:
    def __init__(self, folder: Path) -> None:
        self.proc = subprocess.Popen(dicomhelp("view", str(folder), "--no-browser", "--json"),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        info = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]
        parsed = urlparse(info["url"])
        self.host, self.port, self.token = parsed.hostname, parsed.port, info["token"]
        self.folder = folder

    def get(self, path: str) -> tuple[float, float, int]:
        """(seconds to the first byte, seconds to the last, bytes) of one GET."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)  # type: ignore[arg-type]
        sep = "&" if "?" in path else "?"
        start = time.perf_counter()
        connection.request("GET", f"{path}{sep}token={self.token}")
        response = connection.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - start
        rest = response.read()
        total = time.perf_counter() - start
        assert response.status == 200, (path, response.status, rest[:200])
        connection.close()
        return ttfb, total, len(first) + len(rest)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def timed(command: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def row(label: str, values: list[float], goal: float | None = None) -> str:
    median, best = statistics.median(values), min(values)
    verdict = "" if goal is None else ("  goal met" if median <= goal else f"  GOAL NOT MET (<= {goal * 1000:.0f} ms)")
    return f"  {label:<58} {median * 1000:8.1f} ms  (best {best * 1000:7.1f}){verdict}"


def bench_requests(data: dict[str, Path], repeat: int) -> None:
    print("\nInstance page and first frame, over loopback (median of runs; 'cold' = first request of a fresh server)")
    for name, goal_frame in (("ct", None), ("big", 1.0)):
        path = data[name]
        rel = quote(path.relative_to(data["served"]).as_posix())
        size = path.stat().st_size / 1e6
        print(f" {path.name}: {size:.2f} MB")
        cold_page, cold_frame = [], []
        for _ in range(max(1, repeat // 2)):
            server = Server(data["served"])
            try:
                cold_page.append(server.get(f"/file/{rel}")[0])
                cold_frame.append(server.get(f"/frame/{rel}?n=1&wc=&ww=")[0])
            finally:
                server.stop()
        server = Server(data["served"])
        try:
            warm_page = [server.get(f"/file/{rel}")[0] for _ in range(repeat)]
            warm_frame = [server.get(f"/frame/{rel}?n=1&wc=&ww=")[0] for _ in range(repeat)]
            from pydicom import dcmread

            frames = int(dcmread(path, stop_before_pixels=True).get("NumberOfFrames", 1) or 1)
            other = [server.get(f"/frame/{rel}?n={frames - k * 37 % frames}&wc=40&ww=400")[0] for k in range(repeat)]
        finally:
            server.stop()
        print(row("dicomhelp view: instance page, cold (TTFB)", cold_page, 0.3))
        print(row("dicomhelp view: instance page, warm (TTFB)", warm_page, 0.3))
        print(row("dicomhelp view: first frame PNG, cold (TTFB)", cold_frame, goal_frame))
        print(row("dicomhelp view: first frame PNG, warm (TTFB)", warm_frame, goal_frame))
        print(row("dicomhelp view: other frames, another window (TTFB)", other, goal_frame))
        if shutil.which("dcmdump"):
            print(row("DCMTK dcmdump -M (header as text, whole process)", timed(["dcmdump", "-M", str(path)], repeat)))
        if shutil.which("dcm2pnm"):
            out = Path(tempfile.gettempdir()) / f"bench-view-{os.getpid()}.png"
            print(row("DCMTK dcm2pnm --frame 1 +on (frame 1 to PNG, whole process)",
                      timed(["dcm2pnm", "--frame", "1", "+on", str(path), str(out)], repeat)))
            out.unlink(missing_ok=True)


def bench_export(data: dict[str, Path], repeat: int, work: Path) -> None:
    print("\nExport of the tour's result set (whole command)")
    runs = []
    for i in range(repeat):
        out = work / f"site{i}"
        start = time.perf_counter()
        subprocess.run(dicomhelp("view", str(data["results"]), "--export", str(out)), check=True,
                       capture_output=True)
        runs.append(time.perf_counter() - start)
    files = sum(1 for _ in (work / "site0").rglob("*") if _.is_file())
    print(row(f"dicomhelp view --export ({files} files written)", runs))
    print(row("dicomhelp validate --as-set of the same folder (part of it)",
              timed(dicomhelp("validate", str(data["results"]), "--as-set", "-q"), repeat)))


# VmHWM, not getrusage's ru_maxrss: that one survives fork+exec and would report this big parent's peak.
INDEX_PEAK = """
import sys
from dicomhelp.view.index import build_index
index = build_index(sys.argv[1], jobs=1)
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(len(index.entries), peak)
"""


def bench_index_memory(work: Path) -> None:
    import numpy as np
    from pydicom import dcmread

    from dicomhelp.io import sample_file, write_atomic

    print("\nFolder index memory (10 files read and validated, peak RSS of the process)")
    template = dcmread(sample_file("CT_small.dcm"))
    peaks = {}
    for label, size in (("64 x 64 images (8 kB of pixels each)", 64), ("2048 x 2048 images (8 MB each)", 2048)):
        folder = work / f"index-{size}"
        folder.mkdir()
        for i in range(10):
            ds = template.copy()
            ds.Rows = ds.Columns = size
            ds.PixelData = np.full((size, size), i, dtype=np.int16).tobytes()
            ds.SOPInstanceUID = f"2.25.{size}{i + 1}"
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            write_atomic(ds, folder / f"IM{i:02d}.dcm")
        proc = subprocess.run([sys.executable, "-c", INDEX_PEAK, str(folder)], check=True, capture_output=True,
                              text=True)
        files, peak_kb = proc.stdout.split()
        peaks[size] = int(peak_kb) / 1024
        pixels = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"  {label:<45} {files} files, {pixels:7.1f} MB on disk: peak RSS {peaks[size]:6.1f} MB")
    ratio = peaks[2048] / peaks[64]
    verdict = "goal met" if ratio < 1.1 else "GOAL NOT MET"
    print(f"  peak with 1000x more pixel data / peak with small images: {ratio:.2f} ({verdict}: independent of pixel size)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("NO_COLOR", "1")
    print(f"bench_view: {load()}")
    work = Path(tempfile.mkdtemp(prefix="bench-view-"))
    try:
        data = make_data(work, args.frames)
        bench_requests(data, args.repeat)
        bench_export(data, args.repeat, work)
        bench_index_memory(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nafter: {load()}")


if __name__ == "__main__":
    main()
