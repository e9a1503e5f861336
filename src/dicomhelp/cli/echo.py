"""``dicomhelp echo``: is the peer there, and does it accept us? (C-ECHO)"""

from __future__ import annotations

import sys

import click

from dicomhelp.cli.common import json_option, network_options, network_timeouts, print_json

EPILOG = """\b
Examples:
  dicomhelp echo ORTHANC@127.0.0.1:4242        by AE title, host and port
  dicomhelp echo pacs --json                   a peer named in ~/.config/dicomhelp/peers.toml

\b
Exit codes: 0 the peer answered; 1 no association or a failed echo; 2 usage error.
"""


@click.command("echo", epilog=EPILOG)
@click.argument("peer")
@network_options
@json_option
def command(peer: str, calling_aet: str | None, tls: bool, tls_ca: str | None,
            timeout: float, retries: int, as_json: bool) -> None:
    """Send a C-ECHO to PEER (AET@host:port, or a name from the peers file)."""
    from dicomhelp.net import echo, parse_peer

    target = parse_peer(peer, calling_aet=calling_aet, tls=tls, tls_ca=tls_ca)
    result = echo(target, timeouts=network_timeouts(timeout), retries=retries)
    if as_json:
        print_json(result.to_dict())
    else:
        click.echo(result.line())
    sys.exit(0 if result.ok else 1)
