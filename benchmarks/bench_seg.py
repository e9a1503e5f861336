"""SEG creation: ``dicomhelp.create.seg`` against highdicom called directly, same masks, same run.

    python benchmarks/bench_seg.py [--slices 200] [--size 512] [--segments 3] [--compression none]

A CT series of ``--slices`` slices of ``--size``² pixels is written to a
temporary folder (from pydicom's CT_small.dcm, pixels zero: a SEG never reads
them), with ``--segments`` blob-shaped BINARY masks over a few dozen slices
each. Each side runs in its own process, so its peak resident memory is its
own (the masks, made in the child before the clock starts, are in both):

- dicomhelp: ``create_seg`` — reads the source headers (``create/sources.py``
  through ``io.read_header``: pydicom's reader up to the pixel data, no
  structure scan), checks codes and masks (non-overlapping BINARY masks go to
  highdicom as one label map, so highdicom skips its own overlap check),
  builds through highdicom, fixes the UIDs, writes atomically;
- highdicom: ``dcmread(stop_before_pixels=True)`` of every slice,
  ``hd.seg.Segmentation`` with the masks stacked (frames, rows, columns,
  segments), as its documentation shows, and ``save_as``.

Goal (issue 16): dicomhelp within 1.2x highdicom's time. The machine is
shared: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CATEGORY = ("49755003", "SCT", "Morphologically Abnormal Structure")
TYPE = ("27925004", "SCT", "Nodule")


def make_source(folder: Path, slices: int, size: int) -> None:
    import numpy as np
    from pydicom import dcmread

    from dicomhelp.io import sample_file
    from dicomhelp.uids import UIDPolicy

    policy = UIDPolicy(seed="bench-seg")
    template = dcmread(sample_file("CT_small.dcm"))
    template.Rows = template.Columns = size
    template.PixelData = np.zeros((size, size), np.int16).tobytes()
    template.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    series = policy.new("series")
    for i in range(slices):
        ds = template.copy()
        ds.SeriesInstanceUID = series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = policy.new("instance", i)
        ds.InstanceNumber = i + 1
        x, y, z = (float(v) for v in template.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, round(z + i * 1.25, 4)]
        ds.SliceLocation = round(z + i * 1.25, 4)
        ds.save_as(folder / f"CT{i + 1:04d}.dcm", enforce_file_format=True)


def make_masks(slices: int, size: int, segments: int) -> list:
    import numpy as np

    zz, yy, xx = np.ogrid[0:slices, 0:size, 0:size]
    masks = []
    for s in range(segments):
        # Side by side across the columns, so BINARY segments do not overlap.
        cz, cy, cx = slices * (s + 1) // (segments + 1), size // 2, size * (s + 1) // (segments + 1)
        radius = max(2, size // (2 * (segments + 1)) - 2)
        masks.append(((zz - cz) * 4) ** 2 + (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2)
    return masks


def report(start: float) -> None:
    """The time since ``start`` and this process's own peak resident memory, for the parent."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak}))


def run_ours(folder: Path, out: Path, segments: int, compression: str) -> None:
    import highdicom  # noqa: F401 - imported before the clock, as on the highdicom side
    from pydicom import dcmread

    from dicomhelp.create.seg import create_seg
    from dicomhelp.standard import knowledge

    knowledge().cid(7151)  # the knowledge index is opened once per process, not per SEG
    paths = sorted(folder.glob("*.dcm"))
    masks = make_masks(len(paths), int(dcmread(paths[0], stop_before_pixels=True).Rows), segments)
    spec = {"segments": [{"label": f"Segment {i + 1}", "category": list(CATEGORY), "type": list(TYPE)}
                         for i in range(segments)],
            "algorithm": {"name": "bench", "version": "1"}, "compression": compression}
    start = time.perf_counter()
    create_seg(spec, folder, out, masks=masks)
    report(start)


def run_highdicom(folder: Path, out: Path, segments: int, compression: str) -> None:
    import highdicom as hd
    import numpy as np
    from highdicom.sr import CodedConcept
    from pydicom import dcmread

    from dicomhelp.create.seg import SEG_COMPRESSIONS

    paths = sorted(folder.glob("*.dcm"))
    first = dcmread(paths[0], stop_before_pixels=True)
    masks = make_masks(len(paths), int(first.Rows), segments)
    start = time.perf_counter()
    source = [dcmread(p, stop_before_pixels=True) for p in paths]
    source.sort(key=lambda d: int(d.InstanceNumber))
    algorithm = hd.AlgorithmIdentificationSequence("bench", CodedConcept("129465004", "DCM", "Artificial Intelligence"),
                                                   "1")
    descriptions = [hd.seg.SegmentDescription(i + 1, f"Segment {i + 1}", CodedConcept(*CATEGORY),
                                              CodedConcept(*TYPE), "AUTOMATIC", algorithm,
                                              tracking_uid=hd.UID(), tracking_id=f"Segment {i + 1}")
                    for i in range(segments)]
    seg = hd.seg.Segmentation(source, np.stack(masks, axis=-1), "BINARY", descriptions, hd.UID(), 910, hd.UID(), 1,
                              "dicomhelp", "dicomhelp", "bench", "1",
                              transfer_syntax_uid=SEG_COMPRESSIONS[compression])
    seg.save_as(out)
    report(start)


def child(side: str, folder: Path, out: Path, segments: int, compression: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--run", side, "--folder", str(folder), "--out", str(out),
                           "--segments", str(segments), "--compression", compression],
                          capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--compression", default="none", choices=["none", "jpeg2000-lossless"])
    parser.add_argument("--run", choices=["ours", "highdicom"])
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.run:
        (run_ours if args.run == "ours" else run_highdicom)(args.folder, args.out, args.segments, args.compression)
        return
    with tempfile.TemporaryDirectory(prefix="bench-seg-") as tmp:
        folder = Path(tmp) / "ct"
        folder.mkdir()
        make_source(folder, args.slices, args.size)
        print(f"source: {args.slices} slices {args.size}x{args.size}, {args.segments} BINARY segments, "
              f"compression {args.compression}")
        rows = [("highdicom", child("highdicom", folder, Path(tmp) / "hd.dcm", args.segments, args.compression)),
                ("dicomhelp", child("ours", folder, Path(tmp) / "ours.dcm", args.segments, args.compression))]
        base = rows[0][1]["seconds"]
        print(f"{'':10} {'seconds':>8} {'vs highdicom':>13} {'peak MB':>8}")
        for name, r in rows:
            print(f"{name:10} {r['seconds']:8.2f} {r['seconds'] / base:12.2f}x {r['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
