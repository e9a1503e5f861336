"""``dicomhelp dump FILE|DIR...``: the tree of elements and sequences."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dicomhelp.cli.common import cluster_option
from dicomhelp.errors import EXIT_INPUT, EXIT_OK, DicomHelpError, UsageError
from dicomhelp.io import quiet_pydicom

if TYPE_CHECKING:
    from dicomhelp.io import DicomFile

EPILOG = """\b
Examples:
  dicomhelp dump CT.dcm                        every element, file meta first
  dicomhelp dump CT.dcm --filter Patient       only matching elements (and the path to them)
  dicomhelp dump SR.dcm --depth 1 --paths      two levels, with each element's path
  dicomhelp dump study/ --no-private           every file of a folder, without private tags
  dicomhelp dump CT.dcm --json                 DICOM JSON (PS3.18 Annex F)
  dicomhelp dump archive/ --json --cluster local:2   DICOM JSON of a folder, as Dask tasks

\b
Pixel data is never loaded: one summary line stands for it.
Exit codes: 0 all files read; 1 a file was unreadable or damaged
(what could be read is still shown); 2 bad option or missing path.
"""


@click.command(epilog=EPILOG, context_settings={"max_content_width": 100})
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--depth", type=click.IntRange(min=0), default=None,
              help="Show sequences down to this nesting level (0: top-level elements only).")
@click.option("--filter", "pattern", metavar="TEXT",
              help="Only elements whose keyword, name or tag contains TEXT, with the sequences leading to them.")
@click.option("--max-value-length", type=click.IntRange(min=0), default=200, show_default=True,
              help="Cut longer values (0: never).")
@click.option("--paths", "show_paths", is_flag=True, help="Print each element's path (for edit and validate).")
@click.option("--json", "as_json", is_flag=True, help="DICOM JSON model (PS3.18 Annex F) on stdout.")
@click.option("--no-meta", is_flag=True, help="Hide the file meta information (group 0002).")
@click.option("--no-private", is_flag=True, help="Hide private elements.")
@click.option("--explain", is_flag=True, help="Add what each element means and where the standard defines it.")
@cluster_option
def command(paths: tuple[str, ...], depth: int | None, pattern: str | None, max_value_length: int,
            show_paths: bool, as_json: bool, no_meta: bool, no_private: bool, explain: bool,
            cluster: str | None) -> None:
    """Show what is inside DICOM files, as a tree of elements (the seed's format).

    FILE|DIR: files, or folders walked recursively; each file is shown under its name.
    """
    from dicomhelp.cli.common import use_color

    if explain:
        _explainer()  # a missing knowledge layer is a usage error before anything is shown
    options = TextOptions(meta=not no_meta, private=not no_private, max_depth=depth, pattern=pattern,
                          max_value_length=max_value_length, paths=show_paths,
                          color=use_color() and not as_json, explain=explain)
    if not as_json:
        if cluster:
            raise UsageError("--cluster works with --json only", source=cluster,
                             hint="add --json, or leave --cluster out for the text dump")
        sys.exit(dump_text(paths, options))
    sys.exit(dump_json(paths, private=not no_private, cluster=cluster))


def dump_json(paths: tuple[str, ...], *, private: bool, cluster: str | None = None) -> int:
    """Every file as DICOM JSON on stdout (one object, or one per file name); returns the exit code.

    With ``cluster`` the files are converted as Dask tasks (:mod:`dicomhelp.cluster`); the
    results come back in input order, so the output is the local one.
    """
    import json
    from functools import partial

    from dicomhelp.io import iter_files

    files = [str(p) for p in iter_files(paths)]
    if not files:
        raise UsageError("no files found in " + ", ".join(paths))
    work = partial(_json_one, private)
    if cluster:
        from dicomhelp.cluster import run

        results = run(work, files, address=cluster,
                      lost=lambda path, why: JsonDump(None, None, [f"{path}: not read: {why}"], EXIT_INPUT))
    else:
        results = map(work, files)
    json_out: dict[str, object] = {}
    code = EXIT_OK
    for result in results:
        for line in result.errors:
            report(line)
        if result.name is not None:
            json_out[result.name] = result.data
        code = max(code, result.code)
    data = next(iter(json_out.values())) if len(json_out) == 1 and _single(paths) else json_out
    write_lines([json.dumps(data, indent=2, ensure_ascii=False)])
    return code


@dataclass
class JsonDump:
    """One file's DICOM JSON (``name`` None: unreadable), its stderr lines and its exit code."""

    name: str | None
    data: object
    errors: list[str]
    code: int


def _json_one(private: bool, path: str) -> JsonDump:
    from dicomhelp.inspect.dicom_json import to_dicom_json
    from dicomhelp.io import read_file

    with quiet_pydicom():
        try:
            dfile = read_file(path)
        except DicomHelpError as exc:
            return JsonDump(None, None, [exc.one_line()], EXIT_INPUT)
        errors = [f"{dfile.name}: {'; '.join(dfile.problems)}"] if dfile.problems else []
        code = EXIT_INPUT if dfile.damaged else EXIT_OK
        problems: list[str] = []
        try:
            data = to_dicom_json(dfile, private=private, problems=problems)
        except DicomHelpError as exc:
            return JsonDump(None, None, [*errors, exc.one_line()],
                            exc.exit_code if isinstance(exc, UsageError) else EXIT_INPUT)
    return JsonDump(dfile.name, data, errors + [f"{dfile.name}: {p}" for p in problems], code)


def _single(paths: tuple[str, ...]) -> bool:
    return len(paths) == 1 and not Path(paths[0]).is_dir()


def for_each_file(paths: tuple[str, ...], handle: Callable[[DicomFile, bool], None], *,
                  pixels: bool = False) -> int:
    """Read every file under ``paths`` and pass it to ``handle``; report problems.

    A file's problems are one line on stderr naming the file. A file that cannot be
    read at all is skipped, the others are still handled. Returns the exit
    code: 1 if any file was unreadable or damaged, else 0. A missing path is a
    usage error (raised before anything is shown).
    """
    with quiet_pydicom():
        return _for_each_file(paths, handle, pixels)


def _for_each_file(paths: tuple[str, ...], handle: Callable[[DicomFile, bool], None], pixels: bool) -> int:
    from dicomhelp.io import iter_files, read_file

    files: list[Path] = list(iter_files(paths))
    if not files:
        raise UsageError("no files found in " + ", ".join(paths))
    many = len(files) > 1
    code = EXIT_OK
    for path in files:
        try:
            dfile = read_file(path, pixels=pixels)
        except DicomHelpError as exc:
            report(exc.one_line())
            code = max(code, EXIT_INPUT)
            continue
        if dfile.problems:
            report(f"{dfile.name}: {'; '.join(dfile.problems)}")
        if dfile.damaged:
            code = max(code, EXIT_INPUT)
        try:
            handle(dfile, many)
        except DicomHelpError as exc:
            report(exc.one_line())
            code = max(code, exc.exit_code if isinstance(exc, UsageError) else EXIT_INPUT)
    return code


def report(message: str) -> None:
    """One line on stderr, prefixed like every dicomhelp diagnostic."""
    sys.stdout.flush()
    sys.stderr.write(f"dicomhelp: {message}\n")


def write_lines(lines: list[str]) -> None:
    """Write with plain strings (fast); characters the terminal cannot show are escaped."""
    out = sys.stdout
    if hasattr(out, "reconfigure") and getattr(out, "errors", "") == "strict":
        try:
            out.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass
    out.write("\n".join(lines) + "\n")


@lru_cache(maxsize=1)
def _explainer() -> Callable[[int], str | None]:
    """``dicomhelp.standard.knowledge().brief(tag)``, imported only when --explain is used."""
    try:
        from dicomhelp.standard import knowledge  # type: ignore[attr-defined]
    except ImportError:
        raise UsageError("--explain needs the standard knowledge layer (dicomhelp.standard), "
                         "which is not available in this installation") from None
    try:
        kb = knowledge()
    except DicomHelpError:
        raise
    except Exception as exc:
        raise UsageError(f"--explain: the standard knowledge layer cannot be loaded ({exc})") from None
    cache: dict[int, str | None] = {}

    def explain(tag: int) -> str | None:
        if tag not in cache:
            try:
                text = kb.brief(tag)
            except Exception:  # an unknown tag has no explanation; never fail the dump for it
                text = None
            cache[tag] = str(text).splitlines()[0] if text else None
        return cache[tag]

    return explain


def _item_explainer(ds: Any) -> Callable[[Any], str | None] | None:
    """One line per SR content item: relationship, then concept = value in plain words.

    Bound to the file's Coding Scheme Identification Sequence, so a private
    scheme's code is named with what the file declares about the scheme.
    """
    from dicomhelp.inspect.srtree import is_sr

    if not is_sr(ds):
        return None
    from dicomhelp.standard import knowledge
    from dicomhelp.standard.contentitems import facts_from_node, file_schemes, item_words
    from dicomhelp.standard.srterms import relationship

    kb = knowledge()
    schemes = file_schemes(ds)

    def explain(node: Any) -> str | None:
        try:
            facts = facts_from_node(node)
            rel = relationship(facts.relationship or "")
            head = f"{facts.relationship} ({rel.short}): " if rel else ""
            return head + item_words(kb, facts, schemes, compact=True)
        except Exception:  # a malformed item has no explanation; never fail the dump for it
            return None

    return explain


# ---------------------------------------------------------------------------
# Text dumps: one file at a time, or on every core for a big batch.

PARALLEL_MIN_FILES = 64  # below this, starting workers costs more than it saves


@dataclass(frozen=True)
class TextOptions:
    meta: bool = True
    private: bool = True
    max_depth: int | None = None
    pattern: str | None = None
    max_value_length: int = 200
    paths: bool = False
    color: bool = False
    explain: bool = False


@dataclass
class FileDump:
    """What dumping one file prints: stdout text, stderr lines, and its exit code."""

    out: str
    errors: list[str]
    code: int
    matched: bool = True  # any element shown (with --filter: any element matched)


def dump_one(path: Path, options: TextOptions, many: bool) -> FileDump:
    from dicomhelp.inspect import dump_lines
    from dicomhelp.io import read_file

    try:
        dfile = read_file(path)
    except DicomHelpError as exc:
        return FileDump("", [exc.one_line()], EXIT_INPUT)
    errors = [f"{dfile.name}: {'; '.join(dfile.problems)}"] if dfile.problems else []  # one line per file
    lines = dump_lines(dfile, meta=options.meta, private=options.private, max_depth=options.max_depth,
                       pattern=options.pattern, max_value_length=options.max_value_length, paths=options.paths,
                       color=options.color, explain=_explainer() if options.explain else None,
                       explain_item=_item_explainer(dfile.dataset) if options.explain else None)
    matched = bool(lines)
    if options.pattern and not matched and not many:  # an empty answer would look like an empty file
        errors.append(f"{dfile.name}: {_no_match(options.pattern)}")
    if many:
        lines = [f"# {dfile.name}", *lines, ""]
    return FileDump("\n".join(lines), errors, EXIT_INPUT if dfile.damaged else EXIT_OK, matched)


def _no_match(pattern: str) -> str:
    return f"no element matches --filter {pattern!r} (it looks in keywords, names and tags)"


def dump_text(paths: tuple[str, ...], options: TextOptions) -> int:
    """Dump every file under ``paths`` in order; returns the exit code."""
    from dicomhelp.io import iter_files

    with quiet_pydicom():
        files = list(iter_files(paths))
        if not files:
            raise UsageError("no files found in " + ", ".join(paths))
        many = len(files) > 1
        code = EXIT_OK
        matched = False
        for result in _dumps(files, options, many):
            if result.out:
                write_lines([result.out])
            for line in result.errors:
                report(line)
            code = max(code, result.code)
            matched = matched or result.matched
        if many and options.pattern and not matched:
            report(f"{', '.join(paths)}: {_no_match(options.pattern)} in any file")
        return code


def _dumps(files: list[Path], options: TextOptions, many: bool) -> Iterator[FileDump]:
    import os

    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_MIN_FILES or workers < 2:
        for path in files:
            yield dump_one(path, options, many)
        return
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")  # workers inherit the imported modules: no start-up
    except ValueError:
        yield from (dump_one(path, options, many) for path in files)
        return
    global _WORKER_JOB
    _WORKER_JOB = (options, many)
    with context.Pool(workers) as pool:
        yield from pool.imap(_dump_in_worker, files, chunksize=32)


_WORKER_JOB: tuple[TextOptions, bool] | None = None


def _dump_in_worker(path: Path) -> FileDump:
    assert _WORKER_JOB is not None
    options, many = _WORKER_JOB
    with quiet_pydicom():
        return dump_one(path, options, many)
