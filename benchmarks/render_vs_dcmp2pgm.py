"""Rendering an image through a GSPS: dicomhelp (in-process and CLI) next to DCMTK's dcmp2pgm.

    python benchmarks/render_vs_dcmp2pgm.py [--size 512] [--repeat 5]

Makes the sample study (upscaled to --size), a GSPS with a window and a few
annotations, then times, per image, dicomhelp's display pipeline + drawing
in-process, `dicomhelp render` as a command, and `dcmp2pgm -p` (pipeline
only, no graphics). Medians in milliseconds, in one run on one machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    import numpy as np
    from pydicom import dcmread

    from dicomhelp.create.gsps import create_gsps
    from dicomhelp.display import render_file
    from dicomhelp.io import write_atomic
    from dicomhelp.samples import make_sample_study

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("dcmp2pgm"):
        sys.exit("dcmp2pgm (DCMTK) is not installed")
    work = Path(tempfile.mkdtemp(prefix="dh-bench-"))
    study = work / "study"
    paths = make_sample_study(study)
    factor = max(1, args.size // 128)
    for p in paths:  # upscale the 128x128 slices
        ds = dcmread(p)
        arr = np.repeat(np.repeat(ds.pixel_array, factor, axis=0), factor, axis=1)
        ds.Rows, ds.Columns = arr.shape
        ds.PixelData = arr.tobytes()
        write_atomic(ds, p)
    c = 64 * factor
    spec = {"window": {"center": 40, "width": 400}, "layers": [{"name": "L", "color": [255, 0, 0]}],
            "annotations": [{"layer": "L", "graphics": [
                {"type": "CIRCLE", "center": [c, c], "radius": 10 * factor},
                {"type": "POLYLINE", "points": [[10, 10], [c, 10], [c, c]]},
                {"type": "INTERPOLATED", "points": [[20, 80], [40, 90], [20, 100]]}],
                "texts": [{"text": "Nodule", "anchor": [c, c]}]}]}
    ps = create_gsps(spec, study, work / "ps.dcm")

    def timed(run) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(args.repeat):
            for i, p in enumerate(paths):
                start = time.perf_counter()
                run(p, i)
                times.append(time.perf_counter() - start)
        return 1000 * statistics.median(times)

    render_file(ps, paths[0], work / "warm.png")
    ours = timed(lambda p, i: render_file(ps, p, work / f"o{i}.png"))
    cli = timed(lambda p, i: subprocess.run([sys.executable, "-m", "dicomhelp", "render", str(ps), "--image", str(p),
                                             "-o", str(work / f"c{i}.png")], check=True, capture_output=True))
    dcmtk = timed(lambda p, i: subprocess.run(["dcmp2pgm", "-p", str(ps), str(p), str(work / f"d{i}.pgm")],
                                              check=True, capture_output=True))
    print(f"render one {args.size}x{args.size} CT slice through a GSPS, median of {args.repeat * len(paths)} (ms)")
    print(f"{'dicomhelp render_file (in-process, with graphics)':<52} {ours:8.1f}")
    print(f"{'dicomhelp render (command, with graphics)':<52} {cli:8.1f}")
    print(f"{'dcmp2pgm -p (command, no graphics)':<52} {dcmtk:8.1f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
