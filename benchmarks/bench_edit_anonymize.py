"""`dicomhelp edit` and `anonymize`, side by side with DCMTK's dcmodify and GDCM's gdcmanon.

    python benchmarks/bench_edit_anonymize.py [--files 200] [--frames 200]

(a) edit one element of N small files in place: `dicomhelp edit DIR --in-place` (one
    process) against `dcmodify -nb -m` over the same files (one process, many files);
(b) edit one element of a ~100 MB multi-frame file: whole-file rewrite for both tools;
(c) de-identify N files: `dicomhelp anonymize` (Basic Profile, both cores) against
    `gdcmanon -e` (GDCM's Basic Profile, one process), and how many of the PHI markers
    planted in every listed text attribute of one file survive each.

Files are generated under benchmarks/_work (gitignored). Timings are wall-clock times of
whole processes; machines are noisy, so only the side-by-side ratios mean much.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "edit"
DICOMHELP = [sys.executable, "-m", "dicomhelp"]
ENV = {**os.environ, "NO_COLOR": "1"}


def run(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=cwd, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        print(f"    ! {Path(cmd[0]).name} exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    return elapsed


def fresh_copy(src: Path, dst: Path) -> Path:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


def make_inputs(files: int, frames: int) -> tuple[Path, Path, Path]:
    from pydicom import dcmread

    from dicomhelp.io import sample_file, write_atomic
    from dicomhelp.samples import make_sample_study
    from dicomhelp.uids import UIDPolicy

    WORK.mkdir(parents=True, exist_ok=True)
    study = WORK / f"study_{files}"
    if not study.exists() or len(list(study.iterdir())) != files:
        shutil.rmtree(study, ignore_errors=True)
        make_sample_study(study, slices=files, uid_policy=UIDPolicy(seed="bench"))
    big = WORK / f"mf_{frames}.dcm"
    if not big.exists():
        ds = dcmread(sample_file("CT_small.dcm"))
        ds.Rows = ds.Columns = 512
        ds.NumberOfFrames = frames
        ds.PixelData = bytes(512 * 512 * 2) * frames
        write_atomic(ds, big)
    planted = WORK / "planted.dcm"
    ds = dcmread(sample_file("CT_small.dcm"))
    count = plant(ds)
    write_atomic(ds, planted)
    print(f"    planted {count} PHI markers in {planted.name}")
    return study, big, planted


def plant(ds: object) -> int:
    """A distinct marker in every top-level text attribute Table E.1-1 lists."""
    from pydicom.datadict import dictionary_VM, dictionary_VR

    from dicomhelp.standard.ps315 import load_table

    n = 0
    for tag in sorted(load_table().exact):
        try:
            vr, vm = dictionary_VR(tag), dictionary_VM(tag)
        except KeyError:
            continue
        if vr in {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"} and tag >> 16 > 0x0004 and tag & 0xFFFF:
            n += 1
            value = f"MKQ{n:06d}Z"
            ds.add_new(tag, vr, [value, value] if vm.startswith("2") else value)  # type: ignore[attr-defined]
    return n


def markers(path: Path) -> int:
    if path.is_dir():
        return sum(markers(p) for p in path.rglob("*") if p.is_file())
    return len(re.findall(rb"MKQ[0-9]{6}Z", path.read_bytes()))


def certificate() -> tuple[Path, Path] | None:
    key, cert = WORK / "key.pem", WORK / "cert.pem"
    if not cert.exists():
        if not shutil.which("openssl"):
            return None
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "1", "-subj", "/CN=bench"], capture_output=True, check=True)
    return key, cert


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200, help="small files for (a) and (c)")
    parser.add_argument("--frames", type=int, default=200, help="frames of 512x512x16 bit for (b) (200: 105 MB)")
    args = parser.parse_args()
    dcmodify, gdcmanon = shutil.which("dcmodify"), shutil.which("gdcmanon")
    study, big, planted = make_inputs(args.files, args.frames)

    print(f"(a) edit PatientName in {args.files} files in place")
    work = fresh_copy(study, WORK / "a_dicomhelp")
    t_dh = run([*DICOMHELP, "edit", str(work), "--set", "PatientName=Edited^Name", "--in-place"])
    print(f"    dicomhelp edit DIR --in-place   {t_dh:6.2f} s   {t_dh / args.files * 1000:6.2f} ms/file")
    if dcmodify:
        work = fresh_copy(study, WORK / "a_dcmodify")
        files = sorted(str(p) for p in work.iterdir())
        t_dm = run([dcmodify, "-nb", "-m", "(0010,0010)=Edited^Name", *files])
        print(f"    dcmodify -nb -m FILES...        {t_dm:6.2f} s   {t_dm / args.files * 1000:6.2f} ms/file"
              f"   dicomhelp/dcmodify {t_dh / t_dm:.2f}")

    size = big.stat().st_size / 1e6
    print(f"(b) edit PatientName in one {size:.0f} MB file (new file written)")
    t_dh = run([*DICOMHELP, "edit", str(big), "--set", "PatientName=Edited^Name", "-o", str(WORK / "b_dh.dcm")])
    print(f"    dicomhelp edit -o               {t_dh:6.2f} s   {size / t_dh:6.0f} MB/s")
    if dcmodify:
        shutil.copy(big, WORK / "b_dm.dcm")
        t_dm = run([dcmodify, "-nb", "-m", "(0010,0010)=Edited^Name", str(WORK / "b_dm.dcm")])
        print(f"    dcmodify -nb -m (in place)      {t_dm:6.2f} s   {size / t_dm:6.0f} MB/s"
              f"   dicomhelp/dcmodify {t_dh / t_dm:.2f}")

    print(f"(c) de-identify {args.files} files (Basic Profile)")
    out = WORK / "c_dicomhelp"
    shutil.rmtree(out, ignore_errors=True)
    t_dh = run([*DICOMHELP, "anonymize", str(study), str(out), "--secret", "bench"])
    print(f"    dicomhelp anonymize (2 procs)   {t_dh:6.2f} s   {t_dh / args.files * 1000:6.2f} ms/file")
    gdcm_ok = bool(gdcmanon) and certificate() is not None
    if gdcm_ok:
        _key, cert = certificate()  # type: ignore[misc]
        out_g = WORK / "c_gdcmanon"
        shutil.rmtree(out_g, ignore_errors=True)
        out_g.mkdir()
        t_g = run([gdcmanon, "-e", "-c", str(cert), "--continue", "-i", str(study), "-o", str(out_g)])
        print(f"    gdcmanon -e (1 proc)            {t_g:6.2f} s   {t_g / args.files * 1000:6.2f} ms/file"
              f"   dicomhelp/gdcmanon {t_dh / t_g:.2f}")
    print(f"    PHI markers surviving in {planted.name} ({markers(planted)} planted):")
    one = WORK / "c_one_dicomhelp.dcm"
    run([*DICOMHELP, "anonymize", str(planted), str(one), "--secret", "bench"])
    print(f"      dicomhelp anonymize           {markers(one)}")
    if gdcm_ok:
        one_g = WORK / "c_one_gdcmanon.dcm"
        run([gdcmanon, "-e", "-c", str(cert), "-i", str(planted), "-o", str(one_g)])
        # gdcmanon keeps the originals in an encrypted sequence; only plain-text survivors count.
        print(f"      gdcmanon -e                   {markers(one_g) if one_g.exists() else 'no output'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
