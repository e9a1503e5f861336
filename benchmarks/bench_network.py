"""C-STORE speed: ``dicomhelp send`` against DCMTK's ``storescu +sd`` on the same folder, in the same run.

    python benchmarks/bench_network.py [--count 500]

``--count`` small CT instances (the sample study's 128x128 slices, 32 kB each)
are written to a temporary folder and sent (in one association, and in two
with ``--jobs 2``) to two peers
on loopback ports: a fresh Orthanc (storage in the temporary folder; a new one
for each sender, so neither finds the other's instances) and DCMTK's
``storescp --ignore`` (receives, writes nothing: the sender's own cost).
Each line: instances/s of the whole command (process start included) and
the ratio to storescu. Goal (issue 14): >= 1.0x storescu.

Where the time goes: a C-STORE is a request and a dataset written one after
the other, then a wait for the answer. With Nagle's algorithm on, the kernel
held the end of each back for the peer's delayed ACK (~40 ms an instance, for
storescu too); dicomhelp sets TCP_NODELAY on its sockets. What remains against
Orthanc is Orthanc's own time per instance.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from net.orthanc import dcmtk_tool, free_port, start_orthanc  # noqa: E402

from dicomhelp.samples import make_sample_study  # noqa: E402


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return seconds


def senders(folder: Path, aet: str, port: int, journal: Path) -> dict[str, list[str]]:
    return {
        "storescu +sd": [dcmtk_tool("storescu"), "-aec", aet, "+sd", "127.0.0.1", str(port), str(folder)],
        "dicomhelp send": [sys.executable, "-m", "dicomhelp", "send", str(folder), f"{aet}@127.0.0.1:{port}",
                           "--no-check", "--resend", "--journal", str(journal)],
        "dicomhelp send -j2": [sys.executable, "-m", "dicomhelp", "send", str(folder), f"{aet}@127.0.0.1:{port}",
                               "--no-check", "--resend", "--jobs", "2", "--journal", str(journal) + "2"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    if not shutil.which("Orthanc"):
        raise SystemExit("Orthanc is not installed (apt-get install orthanc)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "instances"
        make_sample_study(folder, slices=args.count)
        print(f"{args.count} instances, {sum(p.stat().st_size for p in folder.iterdir()) / 1e6:.1f} MB, "
              f"one association each, {os.cpu_count()} cores")
        results: dict[tuple[str, str], float] = {}
        for i, name in enumerate(senders(folder, "X", 1, root / "j")):
            orthanc = start_orthanc(root / f"orthanc{i}")
            try:
                cmd = senders(folder, "ORTHANC", orthanc.dicom_port, root / f"j{i}")[name]
                results[("Orthanc", name)] = timed(cmd)
            finally:
                orthanc.stop()
        port = free_port()
        scp = subprocess.Popen([dcmtk_tool("storescp"), "--ignore", "-aet", "STORESCP", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.5)
            for name, cmd in senders(folder, "STORESCP", port, root / "js").items():
                results[("storescp --ignore", name)] = timed(cmd)
        finally:
            scp.terminate()
            scp.wait()
        for peer in ("Orthanc", "storescp --ignore"):
            base = results[(peer, "storescu +sd")]
            for name in ("storescu +sd", "dicomhelp send", "dicomhelp send -j2"):
                s = results[(peer, name)]
                print(f"{peer:18} {name:18} {s:6.2f} s  {args.count / s:7.1f} instances/s  {base / s:4.2f}x storescu")


if __name__ == "__main__":
    main()
