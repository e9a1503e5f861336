"""``dicomhelp extract``: the document inside an Encapsulated PDF (or CDA, STL, ...) object."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json

EPILOG = """\b
Example:
  dicomhelp extract report.dcm -o report.pdf

\b
The document comes back byte for byte as it was stored (the padding byte
DICOM adds to odd lengths is removed). Images and other objects without an
encapsulated document are refused.
"""


@click.command("extract", epilog=EPILOG)
@click.argument("file", type=click.Path())
@click.option("-o", "--output", "--out", "output", required=True, type=click.Path(dir_okay=False), help="Where to write the document.")
@json_option
def command(file: str, output: str, as_json: bool) -> None:
    """Write the encapsulated document of FILE to OUTPUT."""
    from dicomhelp.create.pdf import extract_document
    from dicomhelp.io import read_file, write_bytes_atomic

    ds = read_file(file).dataset
    data, mime = extract_document(ds, source=file)
    write_bytes_atomic(data, output)
    if as_json:
        print_json({"output": output, "bytes": len(data), "mime_type": mime})
        return
    click.echo(f"wrote {output}: {len(data)} bytes ({mime or 'unknown type'})")
