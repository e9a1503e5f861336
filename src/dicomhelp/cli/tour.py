"""``dicomhelp tour [--out DIR]``: the main job on built-in sample data."""

from __future__ import annotations

import click

EPILOG = """\b
Examples:
  dicomhelp tour                    writes tour-output/ and shows each step
  dicomhelp tour --out /tmp/t       somewhere else

\b
The output folder is a self-contained study: a copy of the sample study with
fresh UIDs, and everything the steps create from it.
Exit codes: 0 done; 2 the output folder cannot be written.
"""


@click.command(epilog=EPILOG, context_settings={"max_content_width": 100})
@click.option("--out", "out", type=click.Path(file_okay=False), default="tour-output", show_default=True,
              help="Folder for everything the tour writes.")
def command(out: str) -> None:
    """Create, validate and show a full result set for a sample study, step by step."""
    from pathlib import Path

    from dicomhelp.cli.dump import write_lines
    from dicomhelp.errors import UsageError
    from dicomhelp.io import quiet_pydicom
    from dicomhelp.tour import run_tour

    try:  # a folder that cannot be made fails here, in one line, not halfway through the steps
        Path(out).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder: {exc.strerror or exc}", source=out,
                         hint="choose --out in a folder you can write to") from None
    with quiet_pydicom():
        run_tour(out, echo=lambda line: write_lines([line]))
