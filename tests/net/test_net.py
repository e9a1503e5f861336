"""echo, send, find, get and receive against a real Orthanc (and DCMTK's storescu as a sender)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread

from net.orthanc import (PASSWORD, RECEIVER_AET, USER, Orthanc, dcmtk_tool, free_port, make_certificates,
                         start_orthanc)
from dicomhelp.io import sample_file
from dicomhelp.samples import make_sample_study
from support import assert_clean_failure, missing, run_cli

pytestmark = pytest.mark.validators


def sample_study(folder: Path, slices: int = 4) -> list[Path]:
    return make_sample_study(folder, slices=slices)


PADDING = 0xFFFCFFFC  # Data Set Trailing Padding: any application may drop it (PS3.10 7.2); DCMTK does


def same_dataset(a: bytes | Path, b: bytes | Path) -> None:
    """Every element of the dataset equal, nothing added (file meta aside: the copy's writer is someone else)."""
    da = dcmread(BytesIO(a) if isinstance(a, bytes) else a)
    db = dcmread(BytesIO(b) if isinstance(b, bytes) else b)
    assert [e.tag for e in da if e.tag != PADDING] == [e.tag for e in db if e.tag != PADDING]
    for elem in da:
        if elem.tag != PADDING:
            assert db[elem.tag] == elem, elem.tag


def send(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("send", *args, "--retries", "0", "--timeout", "10")


def test_echo_answers_and_json(orthanc: Orthanc) -> None:
    proc = run_cli("echo", orthanc.peer)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{orthanc.peer}: answers C-ECHO")
    data = json.loads(run_cli("echo", orthanc.peer, "--json").stdout)
    assert data["ok"] is True and data["peer"]["aet"] == "ORTHANC"


def test_a_peer_from_the_peers_file(orthanc: Orthanc, tmp_path: Path) -> None:
    peers = tmp_path / "peers.toml"
    peers.write_text(f'[peers.pacs]\naet = "ORTHANC"\nhost = "127.0.0.1"\nport = {orthanc.dicom_port}\n'
                     'calling_aet = "AI_RESULTS"\n')
    proc = run_cli("echo", "pacs", "--json", env={"DICOMHELP_PEERS": str(peers)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["peer"]["calling_aet"] == "AI_RESULTS"
    assert_clean_failure(run_cli("echo", "nopacs", env={"DICOMHELP_PEERS": str(peers)}), 2)


def test_round_trip_send_find_get_and_results(orthanc: Orthanc, tmp_path: Path) -> None:
    originals = sample_study(tmp_path / "study")
    proc = send(str(tmp_path / "study"), orthanc.peer, "--journal", str(tmp_path / "j.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("stored: ") == 4
    study_uid = str(dcmread(originals[0]).StudyInstanceUID)

    found = run_cli("find", orthanc.peer, "--patient-id", "1CT1", "--accession", "DH0001", "--json")
    assert found.returncode == 0, found.stderr
    rows = [r for r in json.loads(found.stdout) if r["StudyInstanceUID"] == study_uid]
    assert len(rows) == 1 and rows[0]["NumberOfStudyRelatedInstances"] == "4"
    table = run_cli("find", orthanc.peer, "--patient-id", "1CT1")
    assert study_uid in table.stdout and table.stdout.splitlines()[0].startswith("PatientID")

    got = run_cli("get", orthanc.peer, study_uid, "-o", str(tmp_path / "got"))
    assert got.returncode == 0, got.stdout + got.stderr
    assert "4 completed, 0 with warnings, 0 failed" in got.stdout
    for original in originals:
        uid = str(dcmread(original).SOPInstanceUID)
        same_dataset(original, tmp_path / "got" / f"{uid}.dcm")  # Orthanc adds nothing
        same_dataset(original, orthanc.file_of(uid))
    assert "files: 4 in, 4 written, 0 failed, 0 duplicate(s)" in got.stdout
    again = run_cli("get", orthanc.peer, study_uid, "-o", str(tmp_path / "got"), "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["files_summary"] == "4 in, 0 written, 0 failed, 4 duplicate(s)"
    assert len(list((tmp_path / "got").iterdir())) == 4

    # The AI product's side: a result set made from the fetched study, sent back, read back.
    spec = Path(__file__).parents[2] / "src" / "dicomhelp" / "data" / "examples" / "results-example.yaml"
    made = run_cli("create", "results", str(spec), "--source", str(tmp_path / "got"), "-o", str(tmp_path / "res"))
    assert made.returncode == 0, made.stdout + made.stderr
    sent = send(str(tmp_path / "res"), orthanc.peer, "--journal", str(tmp_path / "r.jsonl"), "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    report = json.loads(sent.stdout)
    assert report["summary"]["failed"] == 0 and report["summary"]["stored"] >= 4
    for instance in report["instances"]:
        same_dataset(Path(instance["path"]), orthanc.file_of(instance["sop_instance_uid"]))
    # And by STOW-RS: a second result set (fresh UIDs, so Orthanc holds none of it yet), read back by REST.
    url = web_url(orthanc)
    made = run_cli("create", "results", str(spec), "--source", str(tmp_path / "got"), "-o", str(tmp_path / "web"))
    assert made.returncode == 0, made.stdout + made.stderr
    stowed = run_cli("send", str(tmp_path / "web"), "--web", url, "--journal", str(tmp_path / "w.jsonl"), "--json")
    assert stowed.returncode == 0, stowed.stdout + stowed.stderr
    web_report = json.loads(stowed.stdout)
    assert web_report["summary"]["stored"] == report["summary"]["stored"] and web_report["summary"]["failed"] == 0
    source = {p.name.removesuffix(".dcm") for p in (tmp_path / "got").iterdir()}  # the set holds its source too
    new_by_web = {i["sop_instance_uid"] for i in web_report["instances"]} - source
    assert new_by_web and not new_by_web & {i["sop_instance_uid"] for i in report["instances"]}
    for instance in web_report["instances"]:
        assert orthanc.count_of(instance["sop_instance_uid"]) == 1
        same_dataset(Path(instance["path"]), orthanc.file_of(instance["sop_instance_uid"]))
    # A DICOMDIR stands for the files it lists (the same instances: Orthanc confirms them again).
    by_index = send(str(tmp_path / "res" / "DICOMDIR"), orthanc.peer, "--no-check", "--journal", str(tmp_path / "d"),
                    "--json")
    assert by_index.returncode == 0, by_index.stdout + by_index.stderr
    assert sorted(i["sop_instance_uid"] for i in json.loads(by_index.stdout)["instances"]) == \
        sorted(i["sop_instance_uid"] for i in report["instances"])


def test_a_rerun_sends_nothing_twice(orthanc: Orthanc, tmp_path: Path) -> None:
    sample_study(tmp_path / "study", slices=2)
    journal = str(tmp_path / "j.jsonl")
    assert send(str(tmp_path / "study"), orthanc.peer, "--journal", journal).returncode == 0
    again = send(str(tmp_path / "study"), orthanc.peer, "--journal", journal)
    assert again.returncode == 0
    assert again.stdout.count("already stored: ") == 2 and "stored: " not in again.stdout.replace("already stored", "")


def test_lossless_transcoding_for_a_peer_that_takes_only_uncompressed(orthanc: Orthanc, tmp_path: Path) -> None:
    rle = sample_file("MR_small_RLE.dcm")
    proc = send(str(rle), orthanc.peer, "--no-check", "--journal", str(tmp_path / "j.jsonl"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "decompressed from RLE Lossless to Explicit VR Little Endian, lossless" in proc.stdout
    assert "1 transcoded for the peer" in proc.stdout
    stored = dcmread(BytesIO(orthanc.file_of(str(dcmread(rle).SOPInstanceUID))))
    assert stored.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert (stored.pixel_array == dcmread(rle).pixel_array).all()


def test_a_lossy_object_is_not_decompressed_without_leave(orthanc: Orthanc, tmp_path: Path) -> None:
    jpeg = sample_file("SC_rgb_jpeg_dcmtk.dcm")
    proc = send(str(jpeg), orthanc.peer, "--no-check", "--journal", str(tmp_path / "j.jsonl"))
    assert proc.returncode == 1
    assert f"failed: {jpeg}: the peer accepts it only uncompressed, and it is lossy (JPEG Baseline" in proc.stdout
    assert orthanc.count_of(str(dcmread(jpeg).SOPInstanceUID)) == 0
    allowed = send(str(jpeg), orthanc.peer, "--no-check", "--allow-decompress", "--journal", str(tmp_path / "j"))
    assert allowed.returncode == 0, allowed.stdout
    assert orthanc.count_of(str(dcmread(jpeg).SOPInstanceUID)) == 1


def test_a_pre_send_check_with_an_error_sends_nothing(orthanc: Orthanc, tmp_path: Path) -> None:
    paths = sample_study(tmp_path / "study", slices=2)
    ds = dcmread(paths[1])
    del ds.Modality  # Type 1 in the General Series module
    ds.save_as(paths[1])
    proc = send(str(tmp_path / "study"), orthanc.peer, "--journal", str(tmp_path / "j.jsonl"))
    assert_clean_failure(proc, 1)
    assert "Modality" in proc.stderr and "nothing was sent" in proc.stderr
    for path in paths:
        assert orthanc.count_of(str(dcmread(path).SOPInstanceUID)) == 0
    assert send(str(tmp_path / "study"), orthanc.peer, "--no-check", "--journal", str(tmp_path / "j")).returncode == 0


@pytest.mark.parametrize("peer", ["WRONG@127.0.0.1:{port}", "ORTHANC@127.0.0.1:{closed}"])
def test_association_failures_are_one_line(orthanc: Orthanc, tmp_path: Path, peer: str) -> None:
    target = peer.format(port=orthanc.dicom_port, closed=free_port())
    sample_study(tmp_path / "study", slices=2)
    expected = "called ae title not recognised" if "WRONG" in peer else "no DICOM service answers"
    for proc in (run_cli("echo", target, "--retries", "0"),
                 send(str(tmp_path / "study"), target, "--no-check", "--journal", str(tmp_path / "j")),
                 run_cli("find", target, "--retries", "0"),
                 run_cli("get", target, "1.2.3", "-o", str(tmp_path / "got"), "--retries", "0")):
        assert_clean_failure(proc, 1)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and target in lines[0], proc.stderr


def test_usage_errors_exit_2(orthanc: Orthanc, tmp_path: Path) -> None:
    assert_clean_failure(run_cli("echo", "ORTHANC@127.0.0.1:99999"), 2)
    assert_clean_failure(run_cli("echo", "A_TITLE_FAR_TOO_LONG@127.0.0.1:104"), 2)
    assert_clean_failure(run_cli("get", orthanc.peer, "1.2.3"), 2)
    assert_clean_failure(send(str(tmp_path / "nothing"), orthanc.peer), 2)


def test_killed_peer_then_rerun_stores_each_instance_once(tmp_path: Path) -> None:
    """SIGSTOP then SIGKILL Orthanc in the middle of a 200-file send; restart it; the same command finishes."""
    server = start_orthanc(tmp_path / "orthanc")
    try:
        paths = sample_study(tmp_path / "study", slices=200)
        journal = tmp_path / "j.jsonl"
        args = [sys.executable, "-m", "dicomhelp", "send", str(tmp_path / "study"), server.peer, "--no-check",
                "--journal", str(journal), "--retries", "1", "--timeout", "5"]
        first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, "NO_COLOR": "1"})
        deadline = time.monotonic() + 60
        while (not journal.exists() or len(journal.read_text().splitlines()) < 40) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert server.process is not None
        server.process.send_signal(signal.SIGSTOP)
        server.kill()
        out, err = first.communicate(timeout=60)
        assert first.returncode == 1, out + err
        confirmed = len(journal.read_text().splitlines())
        assert 40 <= confirmed < 200
        assert out.count("stored: ") == confirmed
        assert f"failed: {paths[-1]}: not confirmed: the association was lost and a new one failed: no DICOM service " \
            "answers" in out and "run the same command again to send what is missing" in out

        server.start()  # same storage, same ports
        again = run_cli(*args[3:])
        assert again.returncode == 0, again.stdout + again.stderr
        assert again.stdout.count("already stored: ") == confirmed
        assert again.stdout.count("\nstored: ") + again.stdout.startswith("stored: ") == 200 - confirmed
        stats = server.rest("/statistics")
        assert stats["CountInstances"] == 200  # type: ignore[index]
        for path in paths[:: 20]:
            assert server.count_of(str(dcmread(path).SOPInstanceUID)) == 1
    finally:
        server.stop()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, Path]]:
    """``dicomhelp receive`` on a free loopback port, up when it says so."""
    port, out = free_port(), tmp_path / "incoming"
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "receive", "-o", str(out), "--port", str(port),
                             "--aet", RECEIVER_AET], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith(f"listening as {RECEIVER_AET} on 127.0.0.1:{port}"), line
    try:
        yield proc, port, out
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def stop_and_read(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _err = proc.communicate(timeout=20)
    assert proc.returncode == 143
    return out


def test_receive_from_send_and_from_storescu(receiver: tuple[subprocess.Popen[str], int, Path],
                                             tmp_path: Path) -> None:
    proc, port, out = receiver
    originals = sample_study(tmp_path / "study", slices=2)
    sent = send(str(tmp_path / "study"), f"{RECEIVER_AET}@127.0.0.1:{port}", "--journal", str(tmp_path / "j"))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    mr_rle = sample_file("MR_small_RLE.dcm")
    storescu = subprocess.run([dcmtk_tool("storescu"), "-aec", RECEIVER_AET, "-xr", "127.0.0.1", str(port),
                               str(mr_rle)],
                              capture_output=True, text=True, timeout=60)
    assert storescu.returncode == 0, storescu.stderr
    wrong = subprocess.run([dcmtk_tool("storescu"), "-aec", "SOMEONE_ELSE", "127.0.0.1", str(port), str(mr_rle)],
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode != 0  # the called AE title is checked
    lines = stop_and_read(proc).splitlines()
    assert len(lines) == 3, lines
    for original in originals:
        uid = str(dcmread(original).SOPInstanceUID)
        assert f"stored {uid}.dcm (CT Image Storage) from DICOMHELP: valid" in lines
        same_dataset(original, out / f"{uid}.dcm")
    mr_uid = str(dcmread(mr_rle).SOPInstanceUID)
    assert any(ln.startswith(f"stored {mr_uid}.dcm (MR Image Storage) from STORESCU: ") for ln in lines)
    same_dataset(mr_rle, out / f"{mr_uid}.dcm")
    assert dcmread(out / f"{mr_uid}.dcm").file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.5"  # as sent
    assert not [p for p in out.iterdir() if not p.name.endswith(".dcm")]  # no temporary files left


def test_receive_never_overwrites_same_uid_twice(receiver: tuple[subprocess.Popen[str], int, Path],
                                                 tmp_path: Path) -> None:
    """Issue 17's rule in the SCP: same bytes again is a duplicate; other bytes under the same UID get ``_2``."""
    proc, port, out = receiver
    (original,) = sample_study(tmp_path / "study", slices=1)
    uid = str(dcmread(original).SOPInstanceUID)
    changed = dcmread(original)
    changed.PatientName = "Other^Object"  # a vendor's resend with other content, same SOP Instance UID
    (tmp_path / "changed").mkdir()
    changed.save_as(tmp_path / "changed" / "x.dcm")
    peer = f"{RECEIVER_AET}@127.0.0.1:{port}"
    for n, folder in enumerate(("study", "study", "changed")):  # a journal each: the same file really goes twice
        sent = send(str(tmp_path / folder), peer, "--journal", str(tmp_path / f"j{n}"), "--no-check")
        assert sent.returncode == 0, sent.stdout + sent.stderr
    proc.terminate()
    stdout, stderr = proc.communicate(timeout=20)
    lines = stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == f"stored {uid}.dcm (CT Image Storage) from DICOMHELP: valid"
    assert lines[1].startswith(f"stored {uid}.dcm (CT Image Storage) from DICOMHELP: valid; duplicate: "), lines[1]
    assert lines[2].startswith(f"stored {uid}_2.dcm (CT Image Storage) from DICOMHELP: valid; name taken: "
                               f"{uid}.dcm"), lines[2]
    assert "received: 3 in, 2 written, 0 failed, 1 duplicate(s)" in stderr
    assert sorted(p.name for p in out.iterdir()) == [f"{uid}.dcm", f"{uid}_2.dcm"]  # no staging file left
    same_dataset(original, out / f"{uid}.dcm")  # the first one is untouched
    assert str(dcmread(out / f"{uid}_2.dcm").PatientName) == "Other^Object"


def test_c_move_to_receive(orthanc: Orthanc, tmp_path: Path) -> None:
    originals = sample_study(tmp_path / "study", slices=3)
    assert send(str(tmp_path / "study"), orthanc.peer, "--journal", str(tmp_path / "j")).returncode == 0
    out = tmp_path / "moved"
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", "receive", "-o", str(out), "--port",
                             str(orthanc.receiver_port), "--aet", RECEIVER_AET, "--count", "3", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None and proc.stderr.readline().startswith("listening")
    study_uid = str(dcmread(originals[0]).StudyInstanceUID)
    moved = run_cli("get", orthanc.peer, study_uid, "--move-to", RECEIVER_AET)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "3 completed, 0 with warnings, 0 failed" in moved.stdout
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    arrivals = [json.loads(line) for line in stdout.splitlines()]
    assert sorted(a["sop_instance_uid"] for a in arrivals) == sorted(str(dcmread(p).SOPInstanceUID) for p in originals)
    assert all(a["calling_aet"] == "ORTHANC" and a["errors"] == 0 for a in arrivals)
    for original in originals:
        same_dataset(original, out / f"{dcmread(original).SOPInstanceUID}.dcm")


def test_help_has_examples() -> None:
    for name in ("echo", "send", "find", "get", "receive"):
        proc = run_cli(name, "--help")
        assert proc.returncode == 0 and "Examples:" in proc.stdout and f"dicomhelp {name} " in proc.stdout


def test_orthanc_is_started_by_the_fixture_not_found_running(orthanc: Orthanc) -> None:
    assert shutil.which("Orthanc") and orthanc.process is not None and orthanc.process.poll() is None


def web_url(orthanc: Orthanc, password: str = PASSWORD) -> str:
    if not (orthanc.config()["Plugins"]):
        missing("the Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb)")
    return f"http://{USER}:{password}@127.0.0.1:{orthanc.http_port}/dicom-web"


def test_dicomweb_stow_qido_wado(orthanc: Orthanc, tmp_path: Path) -> None:
    originals = sample_study(tmp_path / "study", slices=2)
    url = web_url(orthanc)
    sent = run_cli("send", str(tmp_path / "study"), "--web", url, "--journal", str(tmp_path / "j"))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sent.stdout.count("stored: ") == 2 and PASSWORD not in sent.stdout + sent.stderr
    again = run_cli("send", str(tmp_path / "study"), "--web", url, "--journal", str(tmp_path / "j"))
    assert again.stdout.count("already stored: ") == 2
    study_uid = str(dcmread(originals[0]).StudyInstanceUID)
    rows = json.loads(run_cli("find", "--web", url, "--patient-id", "1CT1", "--json").stdout)
    assert [r["NumberOfStudyRelatedInstances"] for r in rows if r["StudyInstanceUID"] == study_uid] == ["2"]
    got = run_cli("get", study_uid, "--web", url, "-o", str(tmp_path / "got"))
    assert got.returncode == 0, got.stdout + got.stderr
    for original in originals:
        uid = str(dcmread(original).SOPInstanceUID)
        same_dataset(original, tmp_path / "got" / f"{uid}.dcm")
        same_dataset(original, orthanc.file_of(uid))
    assert "files: 2 in, 2 written, 0 failed, 0 duplicate(s)" in got.stdout
    again = run_cli("get", study_uid, "--web", url, "-o", str(tmp_path / "got"))
    assert again.returncode == 0 and "files: 2 in, 0 written, 0 failed, 2 duplicate(s)" in again.stdout, again.stdout
    assert again.stdout.count(": duplicate: ") == 2 and len(list((tmp_path / "got").iterdir())) == 2


def test_dicomweb_faults_are_one_line(orthanc: Orthanc, tmp_path: Path) -> None:
    sample_study(tmp_path / "study", slices=1)
    wrong = web_url(orthanc, password="wrong")
    closed = f"http://127.0.0.1:{free_port()}/dicom-web"
    for url, expected in ((wrong, "HTTP 401: authentication required or refused"), (closed, "no HTTP service answers")):
        for proc in (run_cli("find", "--web", url),
                     run_cli("send", str(tmp_path / "study"), "--web", url, "--journal", str(tmp_path / "j"))):
            assert_clean_failure(proc, 1)
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 1 and expected in lines[0] and "wrong" not in lines[0], proc.stderr
    assert_clean_failure(run_cli("find", "--web", "ftp://x"), 2)
    assert_clean_failure(run_cli("find"), 2)


def test_a_sop_class_the_peer_rejects_fails_alone(orthanc: Orthanc, tmp_path: Path) -> None:
    paths = sample_study(tmp_path / "study", slices=2)
    ds = dcmread(paths[1])
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.826.0.1.3680043.10.543.99.1"  # no one's storage class
    ds.save_as(paths[1])
    proc = send(str(tmp_path / "study"), orthanc.peer, "--no-check", "--journal", str(tmp_path / "j"))
    assert proc.returncode == 1
    assert f"stored: {paths[0]}" in proc.stdout
    assert f"failed: {paths[1]}: the peer does not store 1.2.826.0.1.3680043.10.543.99.1 objects (it rejected every " \
        "presentation context for 1.2.826.0.1.3680043.10.543.99.1)" in proc.stdout
    assert "2 instance(s) to" in proc.stdout and "1 stored, 1 failed" in proc.stdout


def test_peers_file_mistakes_are_usage_errors(tmp_path: Path) -> None:
    peers = tmp_path / "peers.toml"
    for text, expected in (("[peers.pacs\n", "not valid TOML"),
                           ('[peers.pacs]\naet = "X"\n', "needs aet (text), host (text) and port (a number)"),
                           ('[peers.pacs]\naet = "X"\nhost = "h"\nport = 70000\n', "port 70000 is out of range")):
        peers.write_text(text)
        proc = run_cli("echo", "pacs", env={"DICOMHELP_PEERS": str(peers)})
        assert_clean_failure(proc, 2)
        assert expected in proc.stderr and str(peers) in proc.stderr, proc.stderr


def test_a_torn_journal_line_is_ignored(tmp_path: Path) -> None:
    from dicomhelp.net import parse_peer
    from dicomhelp.net.journal import Journal

    peer = parse_peer("PACS@127.0.0.1:104")
    book = Journal(tmp_path / "j.jsonl", peer)
    book.record("1.2.3", 0, True)
    book.record("1.2.4", 0xA700, False)
    book.close()
    with (tmp_path / "j.jsonl").open("a") as fh:
        fh.write('{"peer": "PACS@127.0.0.1:104", "sop_instance_uid": "1.2.5", "sta')  # killed mid-write
    assert book.confirmed() == {"1.2.3"}
    assert Journal(tmp_path / "j.jsonl", parse_peer("OTHER@127.0.0.1:104")).confirmed() == set()


def test_two_associations_in_parallel_store_each_instance_once(orthanc: Orthanc, tmp_path: Path) -> None:
    paths = sample_study(tmp_path / "study", slices=12)
    journal = tmp_path / "j.jsonl"
    proc = send(str(tmp_path / "study"), orthanc.peer, "--no-check", "--jobs", "2", "--journal", str(journal))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "12 instance(s) to" in proc.stdout and ": 12 stored" in proc.stdout
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    uids = [str(dcmread(p).SOPInstanceUID) for p in paths]
    assert sorted(e["sop_instance_uid"] for e in entries) == sorted(uids)
    assert all(orthanc.count_of(uid) == 1 for uid in uids)


@pytest.fixture(scope="module")
def tls_orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Orthanc]:
    root = tmp_path_factory.mktemp("orthanc-tls")
    server = start_orthanc(root / "orthanc", tls=make_certificates(root / "pki"))
    try:
        yield server
    finally:
        server.stop()


def test_tls_send_with_the_peers_file(tls_orthanc: Orthanc, tmp_path: Path) -> None:
    assert tls_orthanc.tls is not None
    ca = tls_orthanc.tls / "ca.crt"
    proc = run_cli("echo", tls_orthanc.peer, "--tls-ca", str(ca))
    assert proc.returncode == 0 and "answers C-ECHO" in proc.stdout, proc.stderr
    shutil.copy(ca, tmp_path / "pacs-ca.pem")
    peers = tmp_path / "peers.toml"
    peers.write_text(f'[peers.pacs]\naet = "ORTHANC"\nhost = "127.0.0.1"\nport = {tls_orthanc.dicom_port}\n'
                     'tls = true\ntls_ca = "pacs-ca.pem"\n')  # relative to the peers file
    paths = sample_study(tmp_path / "study", slices=2)
    sent = run_cli("send", str(tmp_path / "study"), "pacs", "--journal", str(tmp_path / "j"),
                   env={"DICOMHELP_PEERS": str(peers)})
    assert sent.returncode == 0, sent.stdout + sent.stderr
    for path in paths:
        same_dataset(path, tls_orthanc.file_of(str(dcmread(path).SOPInstanceUID)))


def test_tls_mismatches_are_one_line(tls_orthanc: Orthanc, orthanc: Orthanc) -> None:
    for args, expected in (
        ([tls_orthanc.peer, "--tls"], "TLS: the peer's certificate is not trusted (self-signed certificate in "
                                      "certificate chain); give its CA with --tls-ca"),
        ([tls_orthanc.peer], "the peer took the connection but did not answer the association request (does it "
                             "expect TLS? use --tls)"),
        ([orthanc.peer, "--tls"], "TLS handshake failed"),
    ):
        proc = run_cli("echo", *args, "--retries", "0", "--timeout", "5")
        assert_clean_failure(proc, 1)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], proc.stderr


def test_a_port_in_use_is_a_usage_error(receiver: tuple[subprocess.Popen[str], int, Path], tmp_path: Path) -> None:
    _proc, port, _out = receiver
    second = run_cli("receive", "-o", str(tmp_path / "other"), "--port", str(port), timeout=60)
    assert_clean_failure(second, 2)
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr and "choose another --port" in second.stderr
