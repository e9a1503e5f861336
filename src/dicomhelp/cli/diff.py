"""``dicomhelp diff``: element-level differences between two DICOM files."""

from __future__ import annotations

from pathlib import Path

import click

from dicomhelp.cli.common import json_option, print_json, warn

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
1 unreadable or damaged input (a damaged file is compared as far as
it could be read); 2 missing file.
"""


@click.command(epilog=EPILOG)
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--no-meta", is_flag=True, help="Leave out the file meta information (group 0002).")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the files differ (like git diff --exit-code).")
@json_option
def command(a: Path, b: Path, no_meta: bool, exit_code: bool, as_json: bool) -> None:
    """Show the element-level differences between two DICOM files."""
    from dicomhelp.io import quiet_pydicom

    with quiet_pydicom():  # odd values: pydicom would warn on stderr while comparing them
        _diff(a, b, no_meta, exit_code, as_json)


def _diff(a: Path, b: Path, no_meta: bool, exit_code: bool, as_json: bool) -> None:
    from dicomhelp.edit.diff import diff_datasets
    from dicomhelp.io import read_file

    # Reading is lenient here: a damaged file can still be compared, nothing is written;
    # but what could not be read shows up as differences, so say so (and exit 1 like dump).
    first, second = read_file(a, pixels=True), read_file(b, pixels=True)
    damaged = [f for f in (first, second) if f.damaged]
    for found in damaged:
        warn(f"{found.name}: {found.problems[0] if found.problems else 'damaged'}; compared as far as it could be read")
    differences = diff_datasets(first.dataset, second.dataset, meta=not no_meta)
    if as_json:
        print_json([d.as_dict() for d in differences])
    elif differences:
        for d in differences:
            click.echo(d.line())
    else:
        click.echo("no differences")
    if damaged or (exit_code and differences):
        raise click.exceptions.Exit(1)
