"""``dicomhelp diff``: element-level differences between two DICOM files."""

from __future__ import annotations

from pathlib import Path

import click

from dicomhelp.cli.common import json_option, print_json

EPILOG = """\b
Examples:
  dicomhelp diff original.dcm edited.dcm
  dicomhelp diff original.dcm anonymized.dcm --json
  dicomhelp diff a.dcm b.dcm --exit-code && echo identical

\b
Each line is one element, named by its path as `dump --paths` prints it:
  + PATH = VALUE        only in B
  - PATH = VALUE        only in A
  ~ PATH: OLD -> NEW    different values
Pixel data and other binary values are compared byte for byte.

\b
Exit codes: 0 compared (with --exit-code: 0 identical, 1 different);
1 unreadable input; 2 missing file.
"""


@click.command(epilog=EPILOG)
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--no-meta", is_flag=True, help="Leave out the file meta information (group 0002).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the files differ (like git diff --exit-code).")
@json_option
def command(a: Path, b: Path, no_meta: bool, exit_code: bool, as_json: bool) -> None:
    """Show the element-level differences between two DICOM files."""
    from dicomhelp.edit.diff import diff_datasets
    from dicomhelp.edit.files import read_for_edit

    # Reading is lenient here: a damaged file can still be compared, nothing is written.
    first, second = read_for_edit(a, strict=False), read_for_edit(b, strict=False)
    differences = diff_datasets(first, second, meta=not no_meta)
    if as_json:
        print_json([d.as_dict() for d in differences])
    elif differences:
        for d in differences:
            click.echo(d.line())
    else:
        click.echo("no differences")
    if exit_code and differences:
        raise click.exceptions.Exit(1)
