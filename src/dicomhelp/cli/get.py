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

\b
Files are named by SOP Instance UID (<uid>.dcm) and written atomically.
Exit codes: 0 every instance retrieved; 1 some failed or no association; 2 usage error.
"""


@click.command("get", epilog=EPILOG)
@click.argument("peer")
@click.argument("study_uid")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the instances into (C-GET).")
@click.option("--move-to", default=None, help="C-MOVE to this AE title instead (the peer must know its address).")
@network_options
@json_option
def command(peer: str, study_uid: str, out_dir: Path | None, move_to: str | None, calling_aet: str | None,
            timeout: float, retries: int, as_json: bool) -> None:
    """Retrieve the study STUDY_UID from PEER (AET@host:port or a name from the peers file)."""
    from dicomhelp.errors import UsageError
    from dicomhelp.net import get_study, move_study, parse_peer
    from dicomhelp.net.peers import check_aet

    if (out_dir is None) == (move_to is None):
        raise UsageError("give either -o DIR (C-GET) or --move-to AET (C-MOVE)")
    target = parse_peer(peer, calling_aet=calling_aet)
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
                       + (f": {r.reason}" if r.reason else ""))
        click.echo(report.summary())
    sys.exit(report.exit_code)
