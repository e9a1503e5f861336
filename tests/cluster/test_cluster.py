"""The folder commands on a real Dask cluster (two worker processes on loopback) against the local pool.

The cluster is started once for the module by ``dicomhelp.cluster.connect("local:2")``, the
same code ``--cluster local:2`` runs; the commands reach it by its tcp:// address as they would
a remote scheduler.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import subprocess
import time
from functools import partial
from pathlib import Path

import cloudpickle
import pytest
from support import assert_clean_failure, run_cli

from dicomhelp import cluster
from dicomhelp.edit import anonymize as an
from dicomhelp.edit.files import read_for_edit, write_like_source
from dicomhelp.io import OutputFolder, sample_file

SECRET = "cluster-test-secret"
SOURCES = ("CT_small.dcm", "MR_small.dcm", "rtplan.dcm")
COPIES = 40  # 120 files: a few batches per worker, seconds of work

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with cluster.connect("local:2") as c:
        yield c


@pytest.fixture(scope="module")
def address(client) -> str:  # type: ignore[no-untyped-def]
    return str(client.scheduler.address)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 small files in two subfolders, each with its own patient, study and instance UIDs."""
    root = tmp_path_factory.mktemp("archive")
    for i in range(COPIES):
        for j, name in enumerate(SOURCES):
            ds = read_for_edit(sample_file(name))
            ds.PatientID = f"PAT{i:03d}"
            ds.PatientName = f"Doe^Patient{i:03d}"
            ds.StudyInstanceUID = f"1.2.826.0.1.3680043.10.1069.1.{i}"
            ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.1069.2.{i}.{j}"
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            write_like_source(ds, root / ("a" if i % 2 else "b") / f"{i:03d}-{name}")
    return root


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root by its relative path, hidden ones included (a leftover temporary file shows)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_anonymize_on_the_cluster_writes_what_the_local_pool_writes(folder: Path, address: str,
                                                                   tmp_path: Path) -> None:
    local = run_cli("anonymize", str(folder), str(tmp_path / "local"), "--secret", SECRET, "--keep-names",
                    "--mapping", str(tmp_path / "local.csv"), "--json")
    assert local.returncode == 0, local.stderr
    remote = run_cli("anonymize", str(folder), str(tmp_path / "cluster"), "--secret", SECRET, "--keep-names",
                     "--mapping", str(tmp_path / "cluster.csv"), "--json", env={cluster.ENV: address})
    assert remote.returncode == 0, remote.stderr
    expected = _tree(tmp_path / "local")
    assert len(expected) == len(SOURCES) * COPIES
    assert _tree(tmp_path / "cluster") == expected  # byte for byte, and nothing else (no temporary files)
    mapping = (tmp_path / "cluster.csv").read_text()
    assert mapping == (tmp_path / "local.csv").read_text()
    assert len(mapping.splitlines()) > 3 * COPIES  # study and instance UIDs at least: a real mapping
    reported = [(r["source"], r["output"].replace("/cluster/", "/local/")) for r in json.loads(remote.stdout)]
    assert reported == [(r["source"], r["output"]) for r in json.loads(local.stdout)]  # input order


def _anonymize(folder: Path, out: Path, *, keep_names: bool, **how: object) -> list[an.Outcome]:
    """The API as the command uses it: staged outputs placed in input order."""
    settings = an.Settings(secret=SECRET, options=frozenset())
    with OutputFolder(out) as staged:
        jobs = an.plan_jobs(folder, out, keep_names=keep_names, folder=staged)
        results = an.run_jobs(jobs, settings, **how)  # type: ignore[arg-type]
        an.place_outputs(results, staged)
    return results


def test_anonymize_names_by_uid_alike_on_the_cluster(folder: Path, address: str, tmp_path: Path) -> None:
    local = _anonymize(folder, tmp_path / "local", keep_names=False, workers=2)
    remote = _anonymize(folder, tmp_path / "cluster", keep_names=False, cluster=address)
    assert [r.uid_map for r in remote] == [r.uid_map for r in local]
    assert _tree(tmp_path / "cluster") == _tree(tmp_path / "local")


def test_validate_on_the_cluster_finds_the_same_in_the_same_order(folder: Path, address: str) -> None:
    local = run_cli("validate", str(folder), "--json", "-j", "2")
    remote = run_cli("validate", str(folder), "--json", "--cluster", address)
    assert remote.returncode == local.returncode == 1, remote.stderr  # the wheel files have errors
    lines = remote.stdout.splitlines()
    assert lines[:-1] == local.stdout.splitlines()[:-1]  # all but the summary, which has the time taken
    assert len(lines) == len(SOURCES) * COPIES + 1
    assert any(json.loads(line)["findings"] for line in lines[:-1])


def test_edit_on_the_cluster_writes_what_the_local_pool_writes(folder: Path, address: str, tmp_path: Path) -> None:
    args = ["--set", "InstitutionName=Cluster Test", "--replace-uid", "SOPInstanceUID", "--uid-seed", SECRET]
    local = run_cli("edit", str(folder), "-o", str(tmp_path / "local"), *args, "--json")
    remote = run_cli("edit", str(folder), "-o", str(tmp_path / "cluster"), *args, "--json", "--cluster", address)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert _tree(tmp_path / "cluster") == _tree(tmp_path / "local")
    assert len(_tree(tmp_path / "local")) == len(SOURCES) * COPIES
    assert json.loads(remote.stdout.replace("/cluster/", "/local/")) == json.loads(local.stdout)


def test_files_from_takes_only_the_listed_files(folder: Path, address: str, tmp_path: Path) -> None:
    chosen = sorted(str(p) for p in (folder / "a").iterdir())[:7]
    listing = tmp_path / "todo.txt"
    listing.write_text("\n".join(chosen) + "\n\n")
    out = tmp_path / "out"
    proc = run_cli("anonymize", str(folder), str(out), "--files-from", str(listing), "--keep-names",
                   "--secret", SECRET, "--cluster", address)
    assert proc.returncode == 0, proc.stderr
    assert sorted(_tree(out)) == sorted(str(Path(p).relative_to(folder)) for p in chosen)
    checked = run_cli("validate", "--files-from", str(listing), "--json", "--cluster", address)
    assert [json.loads(line)["file"] for line in checked.stdout.splitlines()[:-1]] == chosen


def test_a_file_outside_the_folder_in_the_list_is_a_usage_error(folder: Path, tmp_path: Path) -> None:
    listing = tmp_path / "todo.txt"
    listing.write_text(str(sample_file("CT_small.dcm")) + "\n")
    proc = run_cli("anonymize", str(folder), str(tmp_path / "out"), "--files-from", str(listing))
    assert_clean_failure(proc, 2)
    assert "not inside the input folder" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_a_usage_error(folder: Path) -> None:
    proc = run_cli("validate", str(folder), "--cluster", "tcp://127.0.0.1:9")
    assert_clean_failure(proc, 2)
    assert "cannot reach the Dask scheduler" in proc.stderr


def test_without_cluster_nothing_of_dask_is_imported(folder: Path, tmp_path: Path) -> None:
    one = next((folder / "a").iterdir())
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom dicomhelp.cli import cli\n"
        f"for args in (['validate', {str(one)!r}, '-q'], ['anonymize', {str(one)!r}, {str(tmp_path / 'o.dcm')!r}]):\n"
        "    CliRunner().invoke(cli, args)\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'tornado')])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != cluster.ENV}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o.dcm").exists()  # the commands did run
    assert proc.stdout.strip() == "[]"


# -- failures: run_on directly, with work that fails on purpose ----------------------------------------

def _double_or_die(item: int) -> int:
    if item == 7:
        os._exit(1)  # what a segfaulting codec does to its worker, every time
    if item == 11:
        raise ValueError("eleven is odd")
    return 2 * item


def _lost(item: int, message: str) -> str:
    return f"lost {item}: {message}"


def test_a_file_that_kills_its_worker_twice_is_reported_and_its_batch_mates_done(client) -> None:  # type: ignore[no-untyped-def]
    results = list(cluster.run_on(client, _double_or_die, list(range(16)), lost=_lost, batch=4))
    assert results[7] == "lost 7: failed twice: the worker running it died"
    assert results[11] == "lost 11: failed twice: ValueError: eleven is odd"
    assert [r for i, r in enumerate(results) if i not in (7, 11)] == [2 * i for i in range(16) if i not in (7, 11)]


def test_a_worker_killed_mid_run_loses_no_file(folder: Path, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _anonymize(folder, tmp_path / "local", keep_names=True, workers=1)
    expected = _tree(tmp_path / "local")
    settings = an.Settings(secret=SECRET, options=frozenset())
    client.wait_for_workers(2, timeout=120)  # the nannies restart the workers killed before
    victim = next(iter(client.run(os.getpid).values()))
    out = tmp_path / "cluster"
    with OutputFolder(out) as staged:
        jobs = an.plan_jobs(folder, out, keep_names=True, folder=staged)
        results = []
        for outcome in cluster.run_on(client, partial(an._anonymize_one, settings), jobs, lost=an._lost, batch=3):
            results.append(outcome)
            if len(results) == 6:
                os.kill(victim, signal.SIGKILL)  # mid-run: both workers hold batches
        an.place_outputs(results, staged)
    assert [r.source for r in results] == [j.source for j in jobs]  # each file once, in order
    failed = [r for r in results if r.error]
    assert all("not de-identified" in str(r.error) for r in failed)
    written = _tree(out)  # hidden files included: no staged or temporary file is left
    assert written == {k: v for k, v in expected.items() if str(folder / k) not in {r.source for r in failed}}
    assert len(written) + len(failed) == len(jobs)
    assert victim not in client.run(os.getpid).values()  # it did die mid-run


def test_transcode_on_the_cluster_writes_what_the_local_run_writes(folder: Path, address: str,
                                                                  tmp_path: Path) -> None:
    args = ["--to", "jpeg-ls-lossless", "--json"]
    local = run_cli("transcode", str(folder), str(tmp_path / "local"), *args)
    remote = run_cli("transcode", str(folder), str(tmp_path / "cluster"), *args, "--cluster", address)
    # rtplan.dcm has no pixels: both runs report the same files failed, the same way
    assert local.returncode == remote.returncode == 1, remote.stderr
    expected = _tree(tmp_path / "local")
    assert len(expected) == 2 * COPIES  # CT and MR written, nothing hidden left behind
    assert _tree(tmp_path / "cluster") == expected
    assert json.loads(remote.stdout.replace("/cluster/", "/local/")) == json.loads(local.stdout)
    assert sorted(remote.stderr.splitlines()) == sorted(local.stderr.splitlines())


def test_dump_json_on_the_cluster_prints_what_the_local_run_prints(folder: Path, address: str) -> None:
    local = run_cli("dump", str(folder), "--json")
    remote = run_cli("dump", str(folder), "--json", "--cluster", address)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout  # same files, same order, same JSON
    assert len(json.loads(remote.stdout)) == len(SOURCES) * COPIES


def test_dump_cluster_without_json_is_a_usage_error(folder: Path) -> None:
    proc = run_cli("dump", str(folder), "--cluster", "local:1")
    assert_clean_failure(proc, 2)
    assert "--json" in proc.stderr


def _placed(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]


@pytest.mark.parametrize("where", ["local", "cluster"])
def test_anonymize_stopped_by_ctrl_c_resumes_and_skips_what_is_done(folder: Path, address: str, tmp_path: Path,
                                                                    where: str) -> None:
    expected = run_cli("anonymize", str(folder), str(tmp_path / "whole"), "--secret", SECRET, "--keep-names")
    assert expected.returncode == 0, expected.stderr
    out = tmp_path / "resumed"
    args = ["anonymize", str(folder), str(out), "--secret", SECRET, "--keep-names",
            *(["-j", "1"] if where == "local" else ["--cluster", address])]
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "dicomhelp", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while len(_placed(out)) < 5 and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    first = len(_placed(out))
    left = sorted(p.name for p in out.rglob(".*") if p.is_file())
    assert left == [".dicomhelp-journal.jsonl"]  # no staged file: the tasks running were waited for
    journal = (out / ".dicomhelp-journal.jsonl").read_text().splitlines()
    journaled = len([line for line in journal if "sha256" in line])
    assert 5 <= first < len(SOURCES) * COPIES  # stopped mid-run
    assert journaled in (first, first - 1)  # at most the file placed as the signal came is not journaled yet

    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    total = len(SOURCES) * COPIES
    assert (f"{total} in, {total - first} written, 0 failed, {first - journaled} duplicate(s), "
            f"{journaled} skipped (done by an earlier run)") in again.stdout
    assert _tree(out) == _tree(tmp_path / "whole")  # each file once, byte for byte; journal and staging gone
