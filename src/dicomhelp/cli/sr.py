"""``dicomhelp sr FILE``: the content tree of a Structured Report, one line per item."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from dicomhelp.cli.common import warn
from dicomhelp.errors import InputError

if TYPE_CHECKING:
    from dicomhelp.io import DicomFile

EPILOG = """\b
Examples:
  dicomhelp sr report.dcm            the content tree: position, relationship, value type, concept = value
  dicomhelp sr report.dcm --json     the same as JSON records (position, path, value...)
  dicomhelp sr report.dcm --to-spec  a TID 1500 report as a spec for `dicomhelp create sr`

\b
Positions (1.2.3) are the 1-based SR positions that dump and validate print too.
In a folder every SR is shown and the other files are passed over.
Exit codes: 0 shown; 1 not an SR, unreadable or damaged (or a folder without
an SR); 2 bad option or missing file.
"""


@click.command(epilog=EPILOG, context_settings={"max_content_width": 100})
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="FILE...")
@click.option("--json", "as_json", is_flag=True, help="One JSON record per content item on stdout.")
@click.option("--to-spec", "to_spec", is_flag=True,
              help="Print a TID 1500 report as a spec for `create sr` (YAML; JSON with --json).")
def command(paths: tuple[str, ...], as_json: bool, to_spec: bool) -> None:
    """Show the content tree of a Structured Report: one line per content item."""
    from dicomhelp.cli.dump import _single, for_each_file, write_lines

    from pathlib import Path

    records: dict[str, object] = {}
    # Files named on the command line must be SRs; in a folder the other files are passed over.
    named = {str(Path(p)) for p in paths if not Path(p).is_dir()}
    shown = [0]

    def show(dfile: DicomFile, many: bool) -> None:
        from dicomhelp.inspect.srtree import is_sr

        ds = dfile.dataset
        if not is_sr(ds):
            if dfile.name not in named:
                return
            raise InputError("not a Structured Report (no content tree: ValueType / ContentSequence)",
                             source=dfile.name)
        shown[0] += 1
        if to_spec:
            from dicomhelp.create.sr.read import spec_lines

            write_lines(spec_lines(ds, as_json=as_json, file=dfile.name))
            return
        if as_json:
            from dicomhelp.inspect.srview import sr_header, sr_records

            records[dfile.name] = {"document": sr_header(ds), "items": sr_records(ds)}
            return
        from dicomhelp.inspect.srview import render_sr

        lines = list(render_sr(ds))
        if many:
            lines = [f"# {dfile.name}", *lines, ""]
        write_lines(lines)

    code = for_each_file(paths, show)
    folders = [p for p in paths if Path(p).is_dir()]
    if folders and not shown[0]:
        warn(f"{', '.join(folders)}: no Structured Report found (other files are passed over)")
        code = max(code, 1)
    if as_json and not to_spec and (records or not _single(paths)):  # a folder without SRs: {}
        import json

        data = next(iter(records.values())) if len(records) == 1 and _single(paths) else records
        write_lines([json.dumps(data, indent=2, ensure_ascii=False)])
    sys.exit(code)
