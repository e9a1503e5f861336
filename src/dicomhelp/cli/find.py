"""``dicomhelp find``: which studies, series or instances does the peer hold? (C-FIND, Study Root)"""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, network_options, network_timeouts, print_json

EPILOG = """\b
Examples:
  dicomhelp find ORTHANC@127.0.0.1:4242 --patient-id 1CT1
  dicomhelp find pacs --study-date 20240101-20241231 --modality CT
  dicomhelp find pacs --level series --study 1.2.3.4 --json
  dicomhelp find --web http://host:8042/dicom-web --patient-id 1CT1     QIDO-RS

\b
Exit codes: 0 the query ran (even with no match); 1 no association or a failed query; 2 usage error.
"""


@click.command("find", epilog=EPILOG)
@click.argument("peer", required=False)
@click.option("--web", default=None, metavar="URL", help="QIDO-RS at this DICOMweb root instead (no PEER then).")
@click.option("--level", type=click.Choice(["study", "series", "image"]), default="study", show_default=True)
@click.option("--patient-id", default=None, help="Patient ID (wildcards * and ? allowed).")
@click.option("--accession", default=None, help="Accession Number.")
@click.option("--study-date", default=None, help="A date or a range: 20240131, 20240101-20240131, 20240101-.")
@click.option("--modality", default=None, help="CT, MR, SR, ... (Modalities in Study at study level).")
@click.option("--study", "study_uid", default=None, help="Study Instance UID (series and image levels).")
@network_options
@json_option
def command(peer: str | None, web: str | None, level: str, patient_id: str | None, accession: str | None,
            study_date: str | None, modality: str | None, study_uid: str | None, calling_aet: str | None,
            tls: bool, tls_ca: str | None, timeout: float, retries: int, as_json: bool) -> None:
    """Query PEER (AET@host:port or a name from the peers file) and list the matches as a table."""
    from dicomhelp.net import RETURN_KEYS, LEVELS, Query, find, parse_peer

    query = Query(level=level, patient_id=patient_id, accession=accession, study_date=study_date,
                  modality=modality, study_uid=study_uid)
    if (peer is None) == (web is None):
        from dicomhelp.errors import UsageError

        raise UsageError("give either PEER (AET@host:port or a name) or --web URL")
    if web is not None:
        from dicomhelp.net.web import parse_web, qido

        rows = qido(parse_web(web), query, timeout=timeout, retries=retries)
    else:
        assert peer is not None
        target = parse_peer(peer, calling_aet=calling_aet, tls=tls, tls_ca=tls_ca)
        rows = find(target, query, timeouts=network_timeouts(timeout), retries=retries)
    if as_json:
        print_json(rows)
        return
    columns = RETURN_KEYS[LEVELS[level]]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in columns]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in rows:
        click.echo("  ".join(row[c].ljust(w) for c, w in zip(columns, widths)).rstrip())
    click.echo(f"{len(rows)} match(es)")
