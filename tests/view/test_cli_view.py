"""``dicomhelp view`` as a command: bad input in one line with the README's exit codes; the export."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path


from support import assert_clean_failure, run_cli
from view.conftest import ViewData


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("view", str(tmp_path / "nothing"), "--no-browser")
    assert_clean_failure(proc, 2)
    assert "no such file or folder" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_folder_without_dicom_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    proc = run_cli("view", str(tmp_path), "--no-browser")
    assert_clean_failure(proc, 1)
    assert "no DICOM files found" in proc.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_clean_failure(run_cli("view", str(empty), "--no-browser"), 1)
    proc = run_cli("view", str(tmp_path / "notes.txt"), "--no-browser")
    assert_clean_failure(proc, 1)
    assert "notes.txt" in proc.stderr


def test_a_port_in_use_is_one_line(view_data: ViewData) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = run_cli("view", str(view_data.multiframe), "--no-browser", "--port", str(port), "--no-validate")
    assert_clean_failure(proc, 2)
    assert f"port {port} is in use" in proc.stderr and "--port" in proc.stderr


def test_ctrl_c_stops_the_server_with_130(view_data: ViewData) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "view", str(view_data.seg_source), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    assert "http://127.0.0.1:" in line and "token=" in line, proc.stderr.read()  # type: ignore[union-attr]
    url = line.split(" at ")[1].strip()
    from urllib.request import urlopen

    with urlopen(url, timeout=20) as response:  # a single file: redirected to its page
        assert response.status == 200 and b"seg-source.dcm" in response.read()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]


def test_sigterm_stops_it_with_143(view_data: ViewData) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "view", str(view_data.seg_source), "--no-browser",
                             "--no-validate"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline()  # type: ignore[union-attr]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143


def test_export_writes_a_site_and_refuses_to_overwrite(view_data: ViewData, tmp_path: Path) -> None:
    out = tmp_path / "site"
    proc = run_cli("view", str(view_data.results), "--export", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["index"] == str(out / "index.html") and summary["files"] == sum(1 for p in view_data.results.rglob("*") if p.is_file())
    pages = sorted(p.name for p in (out / "files").iterdir())
    assert len(pages) == summary["pages"] - 1 and summary["documents"] == 1
    for page in (out / "files").iterdir():
        html = page.read_text()
        assert 'href="/' not in html and 'src="/' not in html  # nothing points at a server
        assert "<template id=" in html or "cannot be shown" in html
    assert (out / "static" / "view.js").exists()
    again = run_cli("view", str(view_data.results), "--export", str(out))
    assert_clean_failure(again, 2)
    assert "not an empty folder" in again.stderr
    inside = run_cli("view", str(view_data.results), "--export", str(view_data.results / "site"))
    assert_clean_failure(inside, 2)
    assert not (view_data.results / "site").exists()


def test_help_has_examples_and_exit_codes() -> None:
    proc = run_cli("view", "--help")
    assert proc.returncode == 0
    assert "dicomhelp view tour-output/results --export site" in proc.stdout and "130" in proc.stdout
