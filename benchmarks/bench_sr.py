"""Benchmark: an SR with N measurement groups from a spec, against highdicom directly, same run.

    python benchmarks/bench_sr.py [--groups 500] [--runs 3]

Both sides build the same content (N planar ROI groups on the sample study's images, each a
circle, a finding, a finding site and two measurements, a device observer) and write the file.
The dicomhelp side also loads and checks the YAML spec, resolves image references, fixes up
what highdicom gets wrong and applies the base builder's common modules.
Goal: overhead ratio (dicomhelp / highdicom) <= 1.2. Medians of in-process wall-clock times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def make_spec(groups: int) -> dict[str, Any]:
    return {
        "observer": {"device": {"name": "BenchAI", "manufacturer": "ACME", "model": "B-1", "uid": "2.25.4242"}},
        "groups": [{
            "tracking_id": f"lesion {i}",
            "finding": "SCT: Nodule",
            "finding_sites": ["SCT: Lung"],
            "region": {"type": "CIRCLE", "image": 1 + i % 4, "points": [[64, 64], [64 + 1 + i % 20, 64]]},
            "measurements": [{"concept": "SCT: Diameter", "value": 2.0 + i % 20, "unit": "mm"},
                             {"concept": "SCT: Area", "value": 3.14 * (1 + i % 20) ** 2, "unit": "mm2"}],
        } for i in range(groups)],
    }


def with_dicomhelp(spec_path: Path, study: Path, out: Path) -> None:
    from dicomhelp.create.sr import create_sr

    create_sr(spec_path, [study], out)


def with_highdicom(groups: int, study: Path, out: Path) -> None:
    import highdicom as hd
    import numpy as np
    from pydicom import dcmread
    from pydicom.sr.codedict import codes

    images = [dcmread(p, stop_before_pixels=True) for p in sorted(study.glob("*.dcm"))]
    observer = hd.sr.ObservationContext(observer_device_context=hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid="2.25.4242", name="BenchAI", manufacturer_name="ACME", model_name="B-1")))
    content = []
    for i in range(groups):
        image = images[i % 4]
        region = hd.sr.ImageRegion("CIRCLE", np.array([[64, 64], [64 + 1 + i % 20, 64]], dtype=float),
                                   hd.sr.SourceImageForRegion(image.SOPClassUID, image.SOPInstanceUID))
        content.append(hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=f"lesion {i}"),
            referenced_region=region, finding_type=codes.SCT.Nodule,
            finding_sites=[hd.sr.FindingSite(codes.SCT.Lung)],
            measurements=[hd.sr.Measurement(codes.SCT.Diameter, 2.0 + i % 20, codes.UCUM.Millimeter),
                          hd.sr.Measurement(codes.SCT.Area, 3.14 * (1 + i % 20) ** 2, codes.UCUM.SquareMillimeter)]))
    report = hd.sr.MeasurementReport(observer, codes.SCT.ImagingProcedure, content, referenced_images=images)
    sr = hd.sr.EnhancedSR(images, report, hd.UID(), 9501, hd.UID(), 1, manufacturer="bench")
    sr.save_as(out)


def median_time(func: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    import yaml

    from dicomhelp.samples import make_sample_study

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        study = root / "study"
        make_sample_study(study)
        spec = root / "spec.yaml"
        spec.write_text(yaml.safe_dump(make_spec(args.groups), sort_keys=False))
        # Warm up imports and caches on both sides so neither pays them in the timing.
        with_highdicom(2, study, root / "warm-hd.dcm")
        warm = root / "warm.yaml"
        warm.write_text(yaml.safe_dump(make_spec(2)))
        with_dicomhelp(warm, study, root / "warm-dh.dcm")

        # Interleaved, so that a load change on the machine hits both sides alike.
        hd_times, dh_times = [], []
        for _ in range(args.runs):
            hd_times.append(median_time(lambda: with_highdicom(args.groups, study, root / "hd.dcm"), 1))
            dh_times.append(median_time(lambda: with_dicomhelp(spec, study, root / "dh.dcm"), 1))
        hd_time, dh_time = statistics.median(hd_times), statistics.median(dh_times)
        sizes = ((root / "hd.dcm").stat().st_size, (root / "dh.dcm").stat().st_size)

    print(f"SR with {args.groups} planar ROI measurement groups, build + write, median of {args.runs}")
    print(f"{'':28}{'seconds':>10}{'file KB':>10}")
    print(f"{'highdicom directly':28}{hd_time:10.3f}{sizes[0] / 1024:10.0f}")
    print(f"{'dicomhelp create sr (spec)':28}{dh_time:10.3f}{sizes[1] / 1024:10.0f}")
    ratio = dh_time / hd_time
    print(f"overhead ratio dicomhelp / highdicom: {ratio:.2f} (goal <= 1.2) {'OK' if ratio <= 1.2 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
