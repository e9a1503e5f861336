"""``dicomhelp anonymize``: PS3.15 Basic Application Level Confidentiality Profile."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import click

from dicomhelp.cli.common import cluster_option, files_from_option, json_option, print_json, progress_bar, warn

EPILOG = """\b
Examples:
  dicomhelp anonymize CT.dcm anon.dcm
  dicomhelp anonymize study/ anon/ --secret "$SECRET"      # same secret, same new UIDs
  dicomhelp anonymize study/ anon/ --retain-longitudinal-modified-dates --clean-descriptors
  dicomhelp anonymize study/ anon/ --option "Retain Patient Characteristics" --mapping uids.csv
  dicomhelp anonymize study/ anon/ --set PatientID=SUBJ01 --set PatientName=Subject^01
  dicomhelp anonymize archive/ anon/ --secret "$SECRET" --cluster tcp://sched:8786 --mapping uids.csv
  dicomhelp anonymize archive/ anon/ --files-from todo.txt --cluster local:2   # only these files

\b
The action table is PS3.15 Table E.1-1 of the edition shown by --help-table.
SR objects get Clean Structured Content and presentation states Clean
Graphics unless --no-clean-sr / --no-clean-ps. An Encapsulated Document
(PDF, CDA) is refused unless --replace-documents. Text burned into the pixels
is not removed: images whose Burned In Annotation is YES or absent are named
in a warning. Output files are named by their new SOP Instance UID (file names
often identify the patient) unless --keep-names. A name already taken by other
content gets _2, _3 (nothing is overwritten, unless --overwrite for files that
existed before the run); the same content twice is written once and reported
as a duplicate.

\b
A folder run with --secret (and no --mapping) stopped by Ctrl-C resumes: run
the same command again and the files done are skipped (a journal in the
output folder, removed when a run ends; the last line counts them skipped).

\b
Exit codes: 0 all written (duplicates included); 1 some input could not be
de-identified (named on stderr, nothing written for it); 2 bad option or
missing input; 130 stopped by Ctrl-C (what was placed stays, the rest resumes).
"""

_OPTION_FLAGS = [
    ("retain_safe_private", "Retain Safe Private Option (keeps the private elements of Table E.3.10-1 and "
     "those named by --safe-private)."),
    ("retain_uids", "Retain UIDs Option."),
    ("retain_device_identity", "Retain Device Identity Option."),
    ("retain_institution_identity", "Retain Institution Identity Option."),
    ("retain_patient_characteristics", "Retain Patient Characteristics Option."),
    ("retain_longitudinal_full_dates", "Retain Longitudinal Temporal Information with Full Dates Option."),
    ("retain_longitudinal_modified_dates", "Retain Longitudinal Temporal Information with Modified Dates "
     "Option (dates shifted by a per-patient offset from the secret)."),
    ("clean_descriptors", "Clean Descriptors Option (keeps descriptions minus this file's identifying values)."),
    ("clean_structured_content", "Clean Structured Content Option (default for SR)."),
    ("clean_graphics", "Clean Graphics Option (default for presentation states)."),
]


def _option_flags(func):  # type: ignore[no-untyped-def]
    for key, text in reversed(_OPTION_FLAGS):
        func = click.option(f"--{key.replace('_', '-')}", key, is_flag=True, help=text)(func)
    return func


def _show_table(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from dicomhelp.standard.ps315 import load_table

    table = load_table()
    from dicomhelp.standard.ps315 import load_safe_private

    for key, text in table.source.items():
        click.echo(f"{key}: {text}")
    click.echo(f"rows: {len(table.exact) + len(table.repeating)} attributes, "
               f"{sum(len(v) for v in table.content.values())} content item concepts")
    source, rows = load_safe_private()
    click.echo(f"safe private attributes: {len(rows)} rows of Table {source['table']}, edition "
               f"{source['edition']}, from {source['taken_from']}")
    ctx.exit(0)


@click.command(epilog=EPILOG)
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("output", type=click.Path(path_type=Path))
@click.option("--option", "named_options", multiple=True, metavar="NAME",
              help='An option by its standard name, e.g. "Retain UIDs" (repeatable).')
@_option_flags
@click.option("--no-clean-sr", is_flag=True, help="Do not apply Clean Structured Content to SR by default.")
@click.option("--no-clean-ps", is_flag=True, help="Do not apply Clean Graphics to presentation states by default.")
@click.option("--replace-documents", is_flag=True,
              help="Accept that an Encapsulated Document (PDF, CDA) is replaced by a placeholder.")
@click.option("--secret", envvar="DICOMHELP_DEID_SECRET", default=None,
              help="Derive new UIDs, dummy Patient IDs and date shifts from this secret: the same secret "
              "gives the same results in every run. Default: random for this run. [env: DICOMHELP_DEID_SECRET]")
@click.option("--uid-root", envvar="DICOMHELP_UID_ROOT", default=None,
              help="Your organisation's UID root for the new UIDs. [env: DICOMHELP_UID_ROOT]")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Also set an element afterwards.")
@click.option("--delete", "deletes", multiple=True, metavar="PATH", help="Also delete an element.")
@click.option("--keep", "keeps", multiple=True, metavar="PATH", help="Leave an element as it is (your decision).")
@click.option("--edits", "edits_file", type=click.Path(path_type=Path), metavar="FILE.yaml",
              help="Edits applied after the profile (keep: entries exempt elements from it).")
@click.option("--safe-private", multiple=True, metavar="PATH",
              help='With --retain-safe-private, also keep this private element, e.g. (0029,"MY CREATOR",08).')
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE.csv",
              help="Write old -> new UIDs here. It re-identifies: keep it apart from the data.")
@click.option("--keep-names", is_flag=True, help="Mirror the input file names instead of naming by new UID.")
@click.option("--overwrite", is_flag=True,
              help="Replace files already in the output folder under the same name (default: NAME_2.dcm).")
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0,
              help="Processes for folders (default: one per core, at most 2).")
@click.option("--help-table", is_flag=True, expose_value=False, is_eager=True, callback=_show_table,
              help="Show the source and edition of the action table and exit.")
@files_from_option("Only the files of the SOURCE folder")
@cluster_option
@json_option
def command(source: Path, output: Path, named_options: tuple[str, ...], no_clean_sr: bool, no_clean_ps: bool,
            replace_documents: bool, secret: str | None, uid_root: str | None, sets: tuple[str, ...],
            deletes: tuple[str, ...], keeps: tuple[str, ...], edits_file: Path | None,
            safe_private: tuple[str, ...], mapping: Path | None, keep_names: bool, overwrite: bool, jobs: int,
            files_from: str | None, cluster: str | None, as_json: bool, **flags: bool) -> None:
    """De-identify a file or a folder by the PS3.15 Basic Profile and its options."""
    from dicomhelp.edit import anonymize as an
    from dicomhelp.edit.model import Action, Edit, load_edits, parse_assignment
    from dicomhelp.io import OutputFolder
    from dicomhelp.standard.ps315 import option_key
    from dicomhelp.paths import parse
    from dicomhelp.uids import check_root

    options = {key for key, on in flags.items() if on} | {option_key(n) for n in named_options}
    edits: list[Edit] = load_edits(edits_file) if edits_file else []
    edits += [parse_assignment(s, Action.SET) for s in sets]
    edits += [Edit.delete(p) for p in deletes] + [Edit.keep(p) for p in keeps]
    for p in safe_private:
        parse(p)
    settings = an.Settings(
        secret=secret or an.new_secret(), options=frozenset(options), clean_sr=not no_clean_sr,
        clean_ps=not no_clean_ps, replace_documents=replace_documents,
        uid_root=check_root(uid_root) if uid_root else None, edits=tuple(edits), safe_private=safe_private)
    listed = None
    if files_from:
        from dicomhelp.io import read_file_list

        listed = read_file_list(files_from)
    # Resuming (the journal) needs the same outputs: a given secret; and no --mapping, which needs every
    # file's UIDs, which the journal does not keep (it would re-identify the folder it lies in).
    journal = _journal_key(source, settings, keep_names) if secret and source.is_dir() and not mapping else None
    with OutputFolder(output, overwrite=overwrite, journal=journal) as folder:
        code = _run(source, output, settings, folder, mapping=mapping, keep_names=keep_names, jobs=jobs,
                    as_json=as_json, listed=listed, cluster=cluster)
    if code:  # out of the folder's block: a run that ended (some input failed) leaves no journal
        raise click.exceptions.Exit(code)


def _run(source: Path, output: Path, settings: Any, folder: Any, *, mapping: Path | None, keep_names: bool,
         jobs: int, as_json: bool, listed: list[Path] | None, cluster: str | None) -> int:
    from dicomhelp.edit import anonymize as an

    jobs_list = an.plan_jobs(source, output, keep_names=keep_names, folder=folder if source.is_dir() else None,
                             files=listed)
    if mapping is not None:
        from dicomhelp.edit.files import check_output_file

        check_output_file(mapping)  # before the work, not after it
    if source.is_dir():
        for index in sorted(p for p in source.rglob("*") if p.name.upper() == "DICOMDIR"):
            warn(f"{index}: DICOMDIR not copied (it names the patient and indexes the original files); "
                 "build a new one for the output")
    if folder.journal is not None:
        jobs_list = [job for job in jobs_list if not folder.skip_done(job.source)]
    update, stop_progress = progress_bar("de-identifying", disabled=as_json or len(jobs_list) < 10)
    counted = itertools.count(1)

    def arrived(outcome: Any) -> None:
        if source.is_dir():  # placed (and journaled) as it arrives: what a Ctrl-C leaves is resumable
            an.place_outputs([outcome], folder)
        if update is not None:
            update(next(counted), len(jobs_list))

    try:
        results = an.run_jobs(jobs_list, settings, workers=jobs, cluster=cluster, progress=arrived)
    finally:
        stop_progress()
    failed = [r for r in results if r.error]
    for r in failed:
        warn(f"error: {r.error}")
    _warn_grouped(results)
    if source.is_dir():
        for note in folder.notes():
            warn(note)
    if mapping is not None:
        an.write_mapping(results, mapping)
    if as_json:
        placed = {p.source: p for p in folder.placed}
        skipped = [{"source": p.source, "output": str(p.output), "status": "skipped"}
                   for p in folder.placed if p.status == "skipped"]
        print_json(skipped + [{"source": r.source, "output": r.target, "options": r.options, "warnings": r.warnings,
                     "error": r.error, "status": placed[r.source].status if r.source in placed
                     else ("failed" if r.error else "written")} for r in results])
    elif source.is_dir():
        click.echo(f"de-identified into {output}: {folder.summary()}")
    elif not failed:  # a single file's error line says it all
        click.echo(f"de-identified 1 file(s) into {output}")
    return 1 if failed else 0


def _journal_key(source: Path, settings: Any, keep_names: bool) -> str:
    """What decides the outputs, hashed (the secret is in it): a journal under this key is this command's."""
    import dataclasses
    import hashlib

    fields = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    fields["options"] = sorted(fields["options"])  # a frozenset's order changes from process to process
    what = ("anonymize", str(source.resolve()), keep_names, sorted(fields.items()))
    return hashlib.sha256(repr(what).encode()).hexdigest()


def _warn_grouped(results: list[Any]) -> None:
    """Each warning once per file, or, when many files share it, once with their count and a few names.

    A series of 500 slices without Burned In Annotation is one line, not 500 (``--json`` lists each).
    """
    by_message: dict[str, list[str]] = {}
    for r in results:
        for w in r.warnings:
            by_message.setdefault(w, []).append(r.source)
    for message, sources in by_message.items():
        if len(sources) <= 3:
            for source in sources:
                warn(f"warning: {source}: {message}")
        else:
            warn(f"warning: {len(sources)} files ({', '.join(sources[:3])}, ...): {message}")
