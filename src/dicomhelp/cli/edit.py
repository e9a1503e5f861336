"""``dicomhelp edit``: change elements of DICOM files without losing anything else."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dicomhelp.cli.common import cluster_option, json_option, print_json, uid_options, warn

if TYPE_CHECKING:
    from dicomhelp.io import OutputFolder

EPILOG = """\b
Examples:
  dicomhelp edit CT.dcm --set PatientName=Doe^Jane -o out.dcm
  dicomhelp edit CT.dcm --set StudyDate=2024-03-01 --delete PatientBirthDate --in-place
  dicomhelp edit study/ --set 'OtherPatientIDsSequence[*].TypeOfPatientID=RFID' -o edited/
  dicomhelp edit CT.dcm --insert 'RequestAttributesSequence[0].RequestedProcedureID=RP1' --dry-run
  dicomhelp edit CT.dcm --edits changes.yaml -o out.dcm
  dicomhelp edit study/ --set InstitutionName=X -o renamed/ --cluster local:2

\b
PATH is an element path as `dump --paths` prints it: a keyword, a tag
(0010,0010), a private element by its creator (0029,"SIEMENS CSA HEADER",10),
items 0-based with [*] for all. Multiple values are separated by \\.
VALUE is checked against the element's VR and VM before anything is written.
For a new private element give the VR: --set '(0029,"ME",10):LO=text'.

\b
A folder edited into another folder keeps the input names; a name already
taken there by other content gets _2, _3 (never overwritten unless
--overwrite), the same content twice is written once (a duplicate).

\b
Exit codes: 0 written; 1 unreadable input (for a folder: some file not
written, named on stderr); 2 bad path, value or option (nothing is written).
"""


@click.command(epilog=EPILOG)
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Set an element (added if absent).")
@click.option("--insert", "inserts", multiple=True, metavar="PATH=VALUE",
              help="Add an element, creating sequences and items on the way; fails if it exists.")
@click.option("--delete", "deletes", multiple=True, metavar="PATH", help="Remove an element.")
@click.option("--empty", "empties", multiple=True, metavar="PATH", help="Keep an element with an empty value.")
@click.option("--replace-uid", "replace_uids", multiple=True, metavar="PATH",
              help="Replace a UID by a new one (the same new one for the same old UID in this run).")
@click.option("--edits", "edits_file", type=click.Path(path_type=Path), metavar="FILE.yaml",
              help="A list of edits: {set: PATH, value: V}, {delete: PATH}, {insert: ...}, {empty: ...}.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Output file (or folder for a folder); default: NAME-edited.dcm / FOLDER-edited/.")
@click.option("--in-place", is_flag=True, help="Replace the input files (atomically: never half-written).")
@click.option("--overwrite", is_flag=True,
              help="Folder output: replace files already there under the same name (default: NAME_2.dcm).")
@click.option("--dry-run", is_flag=True, help="Print the differences; write nothing.")
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0,
              help="Processes for folders (default: one per core, at most 2).")
@uid_options
@cluster_option
@json_option
def command(source: Path, sets: tuple[str, ...], inserts: tuple[str, ...], deletes: tuple[str, ...],
            empties: tuple[str, ...], replace_uids: tuple[str, ...], edits_file: Path | None,
            output: Path | None, in_place: bool, overwrite: bool, dry_run: bool, jobs: int, uid_root: str | None,
            uid_seed: str | None, cluster: str | None, as_json: bool) -> None:
    """Change elements of a DICOM file or of every file in a folder."""
    from dicomhelp.edit.model import Action, Edit, load_edits, parse_assignment
    from dicomhelp.errors import UsageError
    from dicomhelp.io import OutputFolder, iter_files  # noqa: F811 (the type above is for annotations only)
    from dicomhelp.uids import UIDPolicy

    edits: list[Edit] = []
    if edits_file is not None:
        edits.extend(load_edits(edits_file))
    edits += [parse_assignment(s, Action.SET) for s in sets]
    edits += [parse_assignment(s, Action.INSERT) for s in inserts]
    edits += [Edit.delete(p) for p in deletes]
    edits += [Edit.empty(p) for p in empties]
    edits += [Edit.replace_uid(p) for p in replace_uids]
    if not edits:
        raise UsageError("no edit given", hint="use --set, --insert, --delete, --empty, --replace-uid or --edits")
    if in_place and output is not None:
        raise UsageError("give either -o or --in-place, not both")
    if not source.exists():
        raise UsageError("no such file or folder", source=str(source), hint="check the path")

    files = list(iter_files([source]))
    out_root = source
    folder: OutputFolder | None = None
    if source.is_dir():
        out_root = source if in_place else (output or source.with_name(source.name + "-edited"))
        _check_folder_output(source, out_root, in_place)
        if in_place:
            targets = files
        else:
            folder = OutputFolder(out_root, overwrite=overwrite)
            targets = [folder.stage() for _ in files]
    else:
        default = source.with_name(f"{source.stem}-edited{source.suffix or '.dcm'}")
        if output is not None and output.is_dir():
            output = output / source.name  # like cp: into an existing folder
        if output is not None and output.resolve() == source.resolve():
            raise UsageError("the output is the input file", source=str(output),
                             hint="use --in-place to replace it, or -o another file")
        targets = [source if in_place else (output or default)]
    pairs = []
    for src, target in zip(files, targets):
        if source.is_dir() and src.name.upper() == "DICOMDIR":
            warn(f"{src}: a DICOMDIR index is not edited; rebuild it after editing the files it indexes")
            continue
        pairs.append((src, None if dry_run else target))
    try:
        _edit(source, pairs, edits, UIDPolicy.from_env(uid_root, uid_seed), folder, out_root, in_place=in_place,
              dry_run=dry_run, jobs=jobs, cluster=cluster, as_json=as_json)
    finally:
        if folder is not None:
            folder.discard_staged()


def _edit(source: Path, pairs: list[tuple[Path, Path | None]], edits: list[Any], policy: Any,
          folder: OutputFolder | None, out_root: Path, *, in_place: bool, dry_run: bool, jobs: int,
          cluster: str | None, as_json: bool) -> None:
    from dicomhelp.edit.files import edit_many
    from dicomhelp.errors import InputError, UsageError

    report, failures, unchanged = [], 0, 0
    for src, result, error, usage in edit_many(pairs, edits, policy, dry_run=dry_run, workers=jobs,
                                               cluster=cluster):
        if error is not None:
            if usage or not source.is_dir():
                # A bad path or value is wrong for every file; a single file's error is the command's.
                raise (UsageError if usage else InputError)(error)
            failures += 1
            warn(f"skipped: {error}")
            if folder is not None:
                folder.fail(str(src), error)
            continue
        assert result is not None
        target = result.target
        status = "written"
        if folder is not None and not dry_run and target is not None:
            placed = folder.place(target, str(src.relative_to(source)), str(src))
            target, status = placed.output, placed.status
        report.append({"file": str(src), "output": None if dry_run else str(target), "status": status,
                       "applied": [{"action": a.action, "path": a.path} for a in result.applied],
                       "differences": [d.as_dict() for d in result.differences]})
        if not as_json:
            if dry_run:
                click.echo(f"{src}:")
                for d in result.differences:
                    click.echo(f"  {d.line()}")
                if not result.differences:
                    click.echo("  (no change)")
            elif not source.is_dir():
                click.echo(f"wrote {target} ({len(result.applied)} change(s))")
                if not result.applied:
                    warn(f"{src}: no element is on the given path(s), nothing changed "
                         "(`dicomhelp dump --paths` shows the paths in the file)")
        if not result.applied:
            unchanged += 1
    if folder is not None:
        for note in folder.notes():
            warn(note)
    if as_json:
        print_json(report)
    elif folder is not None and not dry_run:
        click.echo(f"edited into {out_root}: {folder.summary()}"
                   + (f"; {unchanged} unchanged (no element on the given paths)" if unchanged else ""))
    elif source.is_dir() and not dry_run:
        click.echo(f"edited {len(report)} file(s) in place in {source}" + (f", {failures} skipped" if failures else "")
                   + (f"; {unchanged} unchanged (no element on the given paths)" if unchanged else ""))
    if failures:
        raise click.exceptions.Exit(1)


def _check_folder_output(source: Path, out_root: Path, in_place: bool) -> None:
    """A folder is edited into another folder, or in place only when asked."""
    from dicomhelp.errors import UsageError

    if in_place:
        return
    if out_root.exists() and not out_root.is_dir():
        raise UsageError("is a file; the output of a folder must be a folder", source=str(out_root))
    if out_root.resolve() == source.resolve():
        raise UsageError("the output folder is the input folder", source=str(out_root),
                         hint="use --in-place to replace the files, or -o another folder")
    if source.resolve() in out_root.resolve().parents:
        # The copies would be part of the input next time: duplicates with the same UIDs.
        raise UsageError("the output folder is inside the input folder", source=str(out_root),
                         hint="choose -o outside it")
