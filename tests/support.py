"""What the tests share: the external validators, sample files, running the CLI.

A validator that is not installed skips the test on a user's machine and fails
it in CI (``DICOMHELP_REQUIRE_VALIDATORS=1``), so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

VENV_BIN = Path(sys.executable).parent
PIXELMED_JAR = Path("/usr/share/java/pixelmed.jar")
REQUIRE = os.environ.get("DICOMHELP_REQUIRE_VALIDATORS") == "1"


def missing(message: str) -> NoReturn:
    """A needed external tool is absent: skip here, fail in CI."""
    if REQUIRE:
        pytest.fail(message)
    pytest.skip(message)


def tool(name: str) -> str:
    """Path of an external tool: the venv's first (the pinned dciodvfy), then PATH."""
    local = VENV_BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    missing(f"external validator '{name}' is not installed (see .ci/run for the install line)")


def pixelmed_jar() -> Path:
    if PIXELMED_JAR.exists() and shutil.which("java"):
        return PIXELMED_JAR
    missing("PixelMed (pixelmed-apps) or java is not installed")


def chromium() -> str:
    """Debian's Chromium for the browser tests (driven by Playwright through its executable path)."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found = None
    if found:
        return found
    missing("Chromium (apt-get install chromium) or Playwright (the test extra) is not installed")


# Headless Chromium that never reaches out (no updates, sync, first-run pages); as root it needs --no-sandbox.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]


@dataclass
class Verdict:
    tool: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    output: str = ""
    returncode: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        return f"{self.tool}: {len(self.errors)} errors\n" + "\n".join(self.errors[:30])


def _run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, errors="replace")


def dciodvfy(path: Path | str) -> Verdict:
    """dciodvfy -new: its exit code is unreliable, so count Error/Warning lines."""
    proc = _run([tool("dciodvfy"), "-new", str(path)])
    text = proc.stdout + proc.stderr
    v = Verdict("dciodvfy", output=text, returncode=proc.returncode)
    v.errors = [ln for ln in text.splitlines() if ln.startswith("Error")]
    v.warnings = [ln for ln in text.splitlines() if ln.startswith("Warning")]
    if proc.returncode < 0:
        v.errors.append(f"dciodvfy crashed with signal {-proc.returncode}")
    return v


def dcmdump(path: Path | str) -> Verdict:
    proc = _run([tool("dcmdump"), "-M", "-Un", str(path)])
    text = proc.stdout + proc.stderr
    v = Verdict("dcmdump", output=text, returncode=proc.returncode)
    v.errors = [ln for ln in proc.stderr.splitlines() if ln.startswith(("E:", "F:"))]
    if proc.returncode != 0 and not v.errors:
        v.errors.append(f"dcmdump exited {proc.returncode}")
    return v


def dsrdump(path: Path | str) -> Verdict:
    proc = _run([tool("dsrdump"), str(path)])
    text = proc.stdout + proc.stderr
    v = Verdict("dsrdump", output=text, returncode=proc.returncode)
    v.errors = [ln for ln in text.splitlines() if ln.startswith(("E:", "F:"))]
    v.warnings = [ln for ln in text.splitlines() if ln.startswith("W:")]
    if proc.returncode != 0 and not v.errors:
        v.errors.append(f"dsrdump exited {proc.returncode}")
    return v


# PixelMed checks every measurement group against TID 1410 first, so a TID 1501
# group (no image region) draws these; they are not errors (see docs).
PIXELMED_ALLOWED = [
    re.compile(r"Missing conditional content item.*TID 1410.*row (5|7)\b"),
    re.compile(r"TID 1410.*Missing conditional content item.*row (5|7)\b"),
]


def pixelmed_sr(path: Path | str, allowed: list[re.Pattern[str]] | None = None) -> Verdict:
    jar = pixelmed_jar()
    proc = _run(
        [
            "java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djdk.xml.xpathExprGrpLimit=0", "-Djdk.xml.xpathExprOpLimit=0", "-Djdk.xml.xpathTotalOpLimit=0",
            "-cp", str(jar), "com.pixelmed.validate.DicomSRValidator", str(path),
        ],
        timeout=300,
    )
    text = proc.stdout + proc.stderr
    allow = PIXELMED_ALLOWED if allowed is None else allowed
    v = Verdict("pixelmed", output=text, returncode=proc.returncode)
    for ln in text.splitlines():
        s = ln.strip()
        if not s or s.startswith(("Found", "Warning", "Checking", "Valid", "Root", "Template", "IOD")):
            continue
        if s.startswith("Error") or "Missing" in s or "Invalid" in s or "not permitted" in s.lower():
            if not any(p.search(s) for p in allow):
                v.errors.append(s)
    return v


def dcmpschk(path: Path | str) -> Verdict:
    proc = _run([tool("dcmpschk"), str(path)])
    text = proc.stdout + proc.stderr
    v = Verdict("dcmpschk", output=text, returncode=proc.returncode)
    if "Test failed" in text:
        v.errors = [ln for ln in text.splitlines() if "failed" in ln.lower() or ln.startswith(("E:", "F:"))]
    return v


def dcentvfy(paths: list[Path]) -> Verdict:
    proc = _run([tool("dcentvfy"), *map(str, paths)])
    text = proc.stdout + proc.stderr
    v = Verdict("dcentvfy", output=text, returncode=proc.returncode)
    v.errors = [ln for ln in text.splitlines() if ln.startswith("Error")]
    v.warnings = [ln for ln in text.splitlines() if ln.startswith("Warning")]
    return v


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run ``dicomhelp`` as a user would, in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dicomhelp", *args],
        capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout,
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int) -> None:
    """A failing command: the documented code, no traceback, a one-line error."""
    assert proc.returncode == code, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert errors, "a failure must say what went wrong on stderr"


def pydicom_test_files() -> list[Path]:
    """Every DICOM file shipped in pydicom's wheel (no download)."""
    import pydicom.data

    root = Path(pydicom.data.__file__).parent
    files = []
    for sub in ("test_files", "charset_files"):
        for p in sorted((root / sub).rglob("*")):
            if p.is_file() and p.suffix.lower() in (".dcm", "") and p.name not in ("README.txt",):
                files.append(p)
    return files


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> str:
    """What ``dicomhelp ARGS`` shows on a terminal (stdout and stderr together); skips without one."""
    import pty

    import pytest

    try:
        pid, fd = pty.fork()
    except OSError as exc:  # a container without pseudo-terminals
        pytest.skip(f"no pseudo-terminal: {exc}")
    if pid == 0:  # child: its output is the terminal
        os.environ.update(env or {})
        os.execv(sys.executable, [sys.executable, "-m", "dicomhelp", *args])
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the terminal closed with the child
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace")
