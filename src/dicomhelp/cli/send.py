"""``dicomhelp send``: C-STORE files, folders and DICOMDIRs to a PACS, checked first, journalled."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dicomhelp.cli.common import json_option, network_options, network_timeouts, print_json, warn

EPILOG = """\b
Examples:
  dicomhelp send results/ ORTHANC@127.0.0.1:4242     check the set, then send every instance
  dicomhelp send CT1.dcm CT2.dcm pacs --json         to a peer from the peers file; a JSON report
  dicomhelp send results/ pacs --no-check            send even if the check finds errors
  dicomhelp send results/ --web http://user:pw@host:8042/dicom-web     STOW-RS instead

\b
One line per instance: stored, warning (with what the status means) or failed
(with the reason). Before sending, the files are validated as a set
(dicomhelp validate --as-set): errors stop the send, warnings are shown.
A journal of what the peer confirmed (--journal) makes a re-run of the same
command send only what is missing.
Exit codes: 0 all stored; 1 some not stored (or the check found errors); 2 usage error.
"""


@click.command("send", epilog=EPILOG)
@click.argument("args", nargs=-1, required=True, metavar="PATH... PEER")
@click.option("--web", default=None, metavar="URL", help="STOW-RS to this DICOMweb root instead (no PEER then); "
              "credentials may be in the URL.")
@click.option("--no-check", "--force", "no_check", is_flag=True,
              help="Send without validating first (or despite errors).")
@click.option("--allow-decompress", is_flag=True,
              help="When the peer takes only uncompressed pixels, decompress lossy objects too.")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The journal file (default: one per peer and inputs in the user's state folder).")
@click.option("-j", "--jobs", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Associations in parallel (DIMSE), each sending a share of the instances.")
@click.option("--resend", is_flag=True, help="Send everything again, whatever the journal says.")
@network_options
@json_option
def command(args: tuple[str, ...], web: str | None, no_check: bool, allow_decompress: bool, journal: Path | None,
            jobs: int, resend: bool, calling_aet: str | None, tls: bool, tls_ca: str | None,
            timeout: float, retries: int, as_json: bool) -> None:
    """Send DICOM files (PATHS: files, folders, DICOMDIRs) to PEER by C-STORE.

    PEER is AET@host:port or a name from ~/.config/dicomhelp/peers.toml.
    """
    from dicomhelp.errors import UsageError
    from dicomhelp.net import CheckFailed, parse_peer, send_paths
    from dicomhelp.validate import finding_line

    if web is None and len(args) < 2:
        raise UsageError("give the files and then the peer (AET@host:port or a name), or --web URL")
    on_result = None if as_json else (lambda r: click.echo(r.line()))
    try:
        if web is not None:
            from dicomhelp.net.web import parse_web, stow_paths

            report = stow_paths(list(args), parse_web(web), check=not no_check, journal=journal, resend=resend,
                                timeout=timeout, retries=retries, on_result=on_result)
        else:
            target = parse_peer(args[-1], calling_aet=calling_aet, tls=tls, tls_ca=tls_ca)
            report = send_paths(list(args[:-1]), target,
                                check=not no_check, allow_decompress=allow_decompress, journal=journal,
                                resend=resend, timeouts=network_timeouts(timeout), retries=retries,
                                jobs=jobs, on_result=on_result)
    except CheckFailed as exc:
        for file in exc.run.files:
            for f in file.findings:
                if f.severity.value == "error":
                    click.echo(f"{file.path}: {finding_line(f)}", err=True)
        for f in exc.run.set_findings:
            if f.severity.value == "error":
                click.echo(finding_line(f, with_file=True), err=True)
        raise
    if report.check is not None and report.check.warnings and not as_json:
        warn(f"the pre-send check found {report.check.warnings} warning(s) (sent anyway; "
             f"dicomhelp validate --as-set shows them)")
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(report.summary())
        click.echo(f"journal: {report.journal}")
    sys.exit(report.exit_code)
