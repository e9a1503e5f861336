"""``dicomhelp get``: fetch a study from a PACS into a folder (C-GET, or C-MOVE to a receiver)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dicomhelp.cli.common import json_option, network_options, network_timeouts, print_json, progress_bar

EPILOG = """\b
Examples:
  dicomhelp get ORTHANC@127.0.0.1:4242 1.2.3.4 -o study/     C-GET: the files come on our association
  dicomhelp get pacs 1.2.3.4 --move-to DICOMHELP             C-MOVE to a running `dicomhelp receive`
  dicomhelp get 1.2.3.4 --web http://host:8042/dicom-web -o study/     WADO-RS

\b
Files are named by SOP Instance UID (<uid>.dcm) and written atomically, never overwriting:
the same bytes already there are a duplicate (written once), another object under a
taken name becomes <uid>_2.dcm; the summary says N in, N written, N failed, N duplicates.
Exit codes: 0 every instance retrieved; 1 some failed or no association; 2 usage error.
"""


@click.command("get", epilog=EPILOG)
@click.argument("args", nargs=-1, required=True, metavar="PEER STUDY_UID")
@click.option("--web", default=None, metavar="URL", help="WADO-RS from this DICOMweb root instead (no PEER then).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the instances into (C-GET).")
@click.option("--move-to", default=None, help="C-MOVE to this AE title instead (the peer must know its address).")
@network_options
@json_option
def command(args: tuple[str, ...], web: str | None, out_dir: Path | None, move_to: str | None,
            calling_aet: str | None, tls: bool, tls_ca: str | None, timeout: float, retries: int,
            as_json: bool) -> None:
    """Retrieve the study STUDY_UID from PEER (AET@host:port or a name from the peers file)."""
    from dicomhelp.errors import UsageError
    from dicomhelp.net import get_study, move_study, parse_peer
    from dicomhelp.net.peers import check_aet

    if len(args) != (1 if web else 2):
        raise UsageError("give PEER and STUDY_UID, or STUDY_UID with --web URL")
    study_uid = args[-1]
    if (out_dir is None) == (move_to is None) or (web and move_to):
        raise UsageError("give either -o DIR (C-GET, WADO-RS) or --move-to AET (C-MOVE)")
    if web is not None:
        assert out_dir is not None
        from dicomhelp.net.web import parse_web, wado_study

        writer = wado_study(parse_web(web), study_uid, out_dir, timeout=timeout, retries=retries)
        if as_json:
            print_json({"study_instance_uid": study_uid, "files": [r.to_dict() for r in writer.received],
                        "files_summary": writer.summary()})
        else:
            for r in writer.received:
                click.echo(f"stored: {r.path}" + (f": {r.note()}" if r.note() else ""))
            click.echo(f"{study_uid} from {parse_web(web)}: {len(writer.received)} instance(s); "
                       f"files: {writer.summary()}")
        written = writer.received
        sys.exit(0 if written else 1)
    target = parse_peer(args[0], calling_aet=calling_aet, tls=tls, tls_ca=tls_ca)
    progress, done = progress_bar("retrieving", disabled=as_json)
    try:
        if move_to is not None:
            report = move_study(target, study_uid, check_aet(move_to, "--move-to"),
                                timeouts=network_timeouts(timeout), retries=retries, progress=progress)
        else:
            assert out_dir is not None
            report = get_study(target, study_uid, out_dir, timeouts=network_timeouts(timeout), retries=retries,
                               progress=progress)
    finally:
        done()
    if as_json:
        print_json(report.to_dict())
    else:
        for r in report.received:
            click.echo(f"{'stored' if r.path else 'refused'}: {r.path or r.sop_instance_uid}"
                       + (f": {r.reason or r.note()}" if r.reason or r.note() else ""))
        click.echo(report.summary())
    sys.exit(report.exit_code)
