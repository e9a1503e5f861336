"""The engine: read a file once, run every rule on it, collect the findings.

Rules are functions ``check(ctx) -> Iterable[Finding]`` listed in
:data:`RULES`; one failing rule becomes a finding, never a stopped run.
:func:`validate_paths` walks folders and validates files in a process pool.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import DicomHelpError
from dicomhelp.validate.context import Context, ValidateOptions
from dicomhelp.validate.findings import Finding, error, warning
from dicomhelp.validate.report import FileReport, RunReport

if TYPE_CHECKING:
    from dicomhelp.io import DicomFile

POOL_THRESHOLD = 24  # fewer files are validated in this process: starting workers costs more


Rule = Callable[[Context], Iterable[Finding]]


def _rules() -> list[tuple[str, Rule]]:
    # Order matters: values reads the raw bytes before other rules convert them.
    from dicomhelp.validate.rules import encoding, image, iod, pstate, seg, sr, uids, values

    rules: list[tuple[str, Rule]] = [
        ("encoding", encoding.check),
        ("values", values.check),
        ("iod", iod.check),
        ("image", image.check),
        ("sr", sr.check),
        ("pstate", pstate.check),
        ("seg", seg.check),
        ("uids", uids.check),
    ]
    try:  # the SR helper's template checks, when that module exists
        from dicomhelp.validate import sr_templates  # type: ignore[attr-defined]

        def templates(ctx: Context) -> Iterable[Finding]:
            if ctx.sop_class_uid and _is_sr(ctx.sop_class_uid):
                return sr_templates.check_sr_templates(ctx.ds) or []
            return []

        rules.append(("sr-templates", templates))
    except ImportError:
        pass
    return rules


def _is_sr(uid: str) -> bool:
    return uid.startswith("1.2.840.10008.5.1.4.1.1.88.")


def validate_file(path: str | os.PathLike[str], options: ValidateOptions | None = None) -> FileReport:
    """Validate one file; unreadable input becomes a finding, never an exception."""
    from dicomhelp.io import read_file

    opts = options or ValidateOptions()
    start = time.perf_counter()
    report = FileReport(path=str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dfile = read_file(path)
            _validate_dataset(dfile, opts, report)
    except DicomHelpError as exc:
        report.findings.append(error("file.unreadable", exc.message, reference="PS3.10 7.1",
                                     fix=exc.hint or "check that this is a complete DICOM file"))
    except RecursionError:
        report.findings.append(error("file.too-deep", "sequences are nested too deeply to read"))
    unreadable = any(f.rule in ("file.unreadable", "file.too-deep") for f in report.findings)
    if opts.with_dciodvfy and not unreadable:  # on a file that is not DICOM dciodvfy only adds noise
        from dicomhelp.validate.dciodvfy import run_dciodvfy

        report.findings.extend(run_dciodvfy(path))
    if not opts.info:
        report.findings = [f for f in report.findings if f.severity.value != "info"]
    report.findings = _dedupe(report.findings)
    report.seconds = time.perf_counter() - start
    return report


def validate_dataset(dfile: DicomFile, options: ValidateOptions | None = None) -> FileReport:
    """Validate a dataset already read with :func:`dicomhelp.io.read_file`."""
    report = FileReport(path=dfile.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _validate_dataset(dfile, options or ValidateOptions(), report)
    report.findings = _dedupe(report.findings)
    return report


def _validate_dataset(dfile: DicomFile, opts: ValidateOptions, report: FileReport) -> None:
    ctx = Context(dfile, opts)
    report.sop_class_uid = ctx.sop_class_uid
    report.sop_class_name = _uid_name(ctx.sop_class_uid)
    for name, rule in _rules():
        try:
            report.findings.extend(rule(ctx))
        except RecursionError:
            report.findings.append(error("file.too-deep", "sequences are nested too deeply to check",
                                         fix="flatten the nesting; no standard IOD needs this depth"))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the file
            report.findings.append(warning(
                f"{name}.not-checked",
                f"the {name} checks could not run on this file ({type(exc).__name__}: {exc})",
                fix="the file is probably damaged there; please report it if it is not",
            ))
    if ctx.sop_class_uid and _is_sr(ctx.sop_class_uid):
        report.findings = [_with_sr_position(f) for f in report.findings]
    report.iod = ctx.iod.id if ctx.iod is not None else None
    if opts.as_set:
        from dicomhelp.validate.rules.sets import instance_info

        report.set_info = instance_info(ctx)


_CONTENT_STEP = re.compile(r"ContentSequence\[(\d+)\]")


def _with_sr_position(f: Finding) -> Finding:
    """Give findings inside an SR content tree the content item's position (``1.2.3``)."""
    if f.sr_position or not f.path or not f.path.startswith("ContentSequence["):
        return f
    position = "1"
    for part in f.path.split("."):
        m = _CONTENT_STEP.fullmatch(part)
        if not m:
            break
        position += f".{int(m.group(1)) + 1}"
    return replace(f, sr_position=position)


def _uid_name(uid: str | None) -> str | None:
    if not uid:
        return None
    from pydicom.uid import UID

    name = UID(uid).name
    return None if name == uid else name


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.severity, f.rule, f.path, f.tag, f.sr_position, f.message, f.source)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _worker(args: tuple[str, ValidateOptions]) -> FileReport:
    path, opts = args
    try:
        return validate_file(path, opts)
    except Exception as exc:  # noqa: BLE001 - last line of defence: the run goes on
        return _not_checked(path, str(exc))


def validate_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    as_set: bool = False,
    jobs: int | None = None,
    options: ValidateOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    cluster: str | None = None,
) -> RunReport:
    """Validate files and folders (walked recursively); ``jobs`` processes (default: all cores).

    ``progress(done, total)`` is called after each file. With ``as_set`` the
    files are also checked together (consistent patient/study/series
    attributes, references that resolve inside the set). ``cluster``: a Dask
    scheduler's address or ``local:N`` (:mod:`dicomhelp.cluster`) instead of local processes.
    """
    from dicomhelp.io import iter_files

    opts = options or ValidateOptions()
    if as_set and not opts.as_set:
        opts = replace(opts, as_set=True)
    start = time.perf_counter()
    paths = list(paths)
    files = [str(p) for p in iter_files(paths)]
    if not files:
        from dicomhelp.errors import UsageError

        raise UsageError("no files to validate", source=" ".join(str(p) for p in paths),
                         hint="the folders are empty")
    n_jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    if cluster:
        reports = list(_run_on_cluster(files, opts, cluster, progress))
    else:
        reports = list(_run(files, opts, n_jobs, progress))
    run = RunReport(files=reports)
    if as_set:
        from dicomhelp.validate.rules.sets import check_set

        run.set_findings = list(check_set(reports))
    run.seconds = time.perf_counter() - start
    return run


def _not_checked(path: str, message: str) -> FileReport:
    return FileReport(path=path, findings=[error("file.not-checked", f"could not be validated: {message}")])


def _validate_one(opts: ValidateOptions, path: str) -> FileReport:
    return _worker((path, opts))


def _run_on_cluster(files: list[str], opts: ValidateOptions, address: str,
                    progress: Callable[[int, int], None] | None) -> Iterator[FileReport]:
    from functools import partial

    from dicomhelp.cluster import run

    for i, report in enumerate(run(partial(_validate_one, opts), files, address=address, lost=_not_checked), 1):
        yield report
        if progress:
            progress(i, len(files))


def _run(files: list[str], opts: ValidateOptions, jobs: int,
         progress: Callable[[int, int], None] | None) -> Iterator[FileReport]:
    total = len(files)
    if jobs <= 1 or total < POOL_THRESHOLD:
        for i, path in enumerate(files, 1):
            yield _worker((path, opts))
            if progress:
                progress(i, total)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # Workers come from a fresh fork server (modules preloaded there), not from this
    # process: a forked copy would share this process's open SQLite index of the standard.
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        ctx.set_forkserver_preload(["dicomhelp.validate.engine", "dicomhelp.validate.rules.iod",
                                    "dicomhelp.validate.rules.values", "dicomhelp.io"])
    chunk = max(1, min(32, total // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        for i, report in enumerate(pool.map(_worker, [(p, opts) for p in files], chunksize=chunk), 1):
            yield report
            if progress:
                progress(i, total)
