"""``dicomhelp receive``: a Storage SCP that writes, checks and reports each instance it is sent."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import click

EPILOG = """\b
Examples:
  dicomhelp receive -o incoming/ --port 11112            on 127.0.0.1, AE title DICOMHELP
  dicomhelp receive -o incoming/ --port 11112 --json     one JSON object per instance
  dicomhelp receive -o incoming/ --host 0.0.0.0          reachable from other hosts: a decision

\b
One line per instance: its file (<SOP Instance UID>.dcm), its kind, who sent it and
the validator's verdict. Nothing is overwritten: the same object sent again is a
duplicate (written once); another object with a SOP Instance UID already in the
folder becomes <uid>_2.dcm. Stop it with Ctrl-C; the summary (N in, N written,
N failed, N duplicates) goes to stderr.
Exit codes: 0 stopped after --count instances; 130/143 stopped by Ctrl-C/SIGTERM; 2 usage error (port taken).
"""


@click.command("receive", epilog=EPILOG)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the instances into.")
@click.option("--port", type=click.IntRange(1, 65535), default=11112, show_default=True)
@click.option("--aet", default="DICOMHELP", show_default=True, help="Our AE title; senders must call it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--count", type=click.IntRange(1), default=None, help="Stop after this many instances.")
@click.option("--no-check", is_flag=True, help="Do not validate what arrives.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout: one object per instance.")
def command(out_dir: Path, port: int, aet: str, host: str, count: int | None, no_check: bool,
            as_json: bool) -> None:
    """Receive instances by C-STORE into OUT, validating each one."""
    from dicomhelp.errors import UsageError
    from dicomhelp.net import start_receiver
    from dicomhelp.net.store import StoreWriter

    enough = threading.Event()
    arrived = 0
    lock = threading.Lock()

    def on_arrival(arrival: object) -> None:
        nonlocal arrived
        with lock:
            click.echo(json.dumps(arrival.to_dict()) if as_json else arrival.line())  # type: ignore[attr-defined]
            arrived += 1
            if count is not None and arrived >= count:
                enough.set()

    writer = StoreWriter(out_dir)
    try:
        server = start_receiver(out_dir, port=port, aet=aet, host=host, check=not no_check, on_arrival=on_arrival,
                                writer=writer)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="choose another --port") from None
    click.echo(f"listening as {aet.strip()} on {host}:{port}, writing into {out_dir}", err=True)
    try:
        while not enough.wait(0.2):
            pass
    finally:
        server.shutdown()
        writer.close()
        click.echo(f"received: {writer.summary()}", err=True)
