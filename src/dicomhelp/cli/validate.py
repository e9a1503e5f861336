"""``dicomhelp validate``: is this file correct, and exactly how do I fix it?"""

from __future__ import annotations

import json
import sys

import click

from dicomhelp.cli.common import cluster_option, files_from_option, progress_bar, use_color

EPILOG = """\b
Examples:
  dicomhelp validate CT.dcm                 one finding per line, then a summary
  dicomhelp validate study/ --as-set        a folder, and the files checked together
  dicomhelp validate CT.dcm --json          JSON Lines: one object per file, then {"summary": ...}
  dicomhelp validate CT.dcm --with dciodvfy also run dciodvfy and merge its findings
  dicomhelp validate archive/ --cluster tcp://sched:8786 --quiet   as Dask tasks on a cluster
  find archive -name '*.dcm' | dicomhelp validate --files-from - --cluster local:2

\b
Each line: severity, where (keyword, tag, path, SR item), what is wrong,
[rule; why: type, module, PS3.x section], fix: what to change.
Exit codes: 0 no errors; 1 errors found (or unreadable files); 2 usage error.
"""


@click.command("validate", epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--as-set", is_flag=True, help="Also check the files together: consistent patient/study/series "
              "attributes, references that resolve inside the set.")
@click.option("--with", "with_tools", multiple=True, type=click.Choice(["dciodvfy"]),
              help="Also run this external validator (when installed) and merge its findings.")
@click.option("--info/--no-info", "show_info", default=False,
              help="Show info findings too (attributes outside the IOD, ...). Default: errors and warnings.")
@click.option("-j", "--jobs", type=click.IntRange(0, 64), default=0, help="Processes to use (default: all cores).")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary.")
@click.option("--json", "as_json", is_flag=True,
              help='JSON Lines on stdout: one object per file, then one {"summary": ...} line.')
@files_from_option("Also validate the files")
@cluster_option
def command(paths: tuple[str, ...], as_set: bool, with_tools: tuple[str, ...], show_info: bool, jobs: int,
            quiet: bool, as_json: bool, files_from: str | None, cluster: str | None) -> None:
    """Check DICOM files against the standard and say how to fix each problem.

    PATHS are files or folders (walked recursively). Checks: the Part 10
    encoding, the IOD's modules and attributes (Type 1/2/1C/2C), values (VR,
    VM, formats, enumerated values), SR trees and presentation states.
    """
    from dicomhelp.validate import ValidateOptions, validate_paths
    from dicomhelp.validate.report import file_summary, finding_line, render_summary

    from dicomhelp.io import read_file_list

    given: list[str] = list(paths) + ([str(p) for p in read_file_list(files_from)] if files_from else [])
    if not given:
        raise click.UsageError("give files or folders to validate, or --files-from LIST")
    options = ValidateOptions(with_dciodvfy="dciodvfy" in with_tools, info=show_info or as_json)
    progress, done = progress_bar("validating", disabled=as_json or quiet)
    try:
        run = validate_paths(given, as_set=as_set, jobs=jobs or None, options=options, progress=progress,
                             cluster=cluster)
    finally:
        done()
    if as_json:
        for report in run.files:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        click.echo(json.dumps({"summary": run.summary_dict()}, ensure_ascii=False))
    else:
        color = use_color()
        if not quiet:
            for report in run.files:
                click.echo(_style(file_summary(report), "green" if report.ok else "red", color, bold=True))
                for f in report.findings:
                    if f.severity.value == "info" and not show_info:
                        continue
                    click.echo("  " + _style(finding_line(f), _COLORS[f.severity.value], color))
            if run.set_findings:
                click.echo(f"set of {len(run.files)} file(s):")
                for f in run.set_findings:
                    click.echo("  " + _style(finding_line(f, with_file=True), _COLORS[f.severity.value], color))
        for line in render_summary(run):
            click.echo(line)
    sys.exit(run.exit_code)


_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _style(text: str, fg: str, color: bool, bold: bool = False) -> str:
    return click.style(text, fg=fg, bold=bold) if color else text


