"""Options and helpers shared by the command modules."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def uid_options(func: F) -> F:
    """``--uid-root`` and ``--uid-seed``: the UID policy (see dicomhelp.uids)."""
    func = click.option(
        "--uid-seed",
        envvar="DICOMHELP_UID_SEED",
        default=None,
        help="Derive UIDs deterministically from this secret and the inputs, so re-running "
        "does not duplicate objects in a PACS. [env: DICOMHELP_UID_SEED]",
    )(func)
    func = click.option(
        "--uid-root",
        envvar="DICOMHELP_UID_ROOT",
        default=None,
        help="Your organisation's UID root; default: 2.25.<UUID> UIDs. [env: DICOMHELP_UID_ROOT]",
    )(func)
    return func


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")(func)


def use_color(stream: Any = None) -> bool:
    """Colour only on a terminal and never when NO_COLOR is set (no-color.org)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def warn(message: str) -> None:
    """One line on stderr, prefixed like every other dicomhelp diagnostic."""
    click.echo(f"dicomhelp: {message}", err=True)


def progress_bar(label: str, *, disabled: bool = False) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """``(update(done, total), stop)``: a rich progress bar on stderr when it is a terminal.

    ``update`` is None when there is no terminal (or ``disabled``): nothing is
    drawn into pipes and logs, and rich is not even imported.
    """
    if disabled or not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def spec_error_in_file(exc: Exception, spec: str) -> Exception:
    """Name the spec file too, as ``create sr`` does: the path inside it alone may be ambiguous."""
    from dicomhelp.errors import SpecError

    assert isinstance(exc, SpecError)
    if exc.source == spec or (exc.source or "").startswith(f"{spec}:"):
        return exc
    return SpecError(exc.message, source=f"{spec}: {exc.source}", hint=exc.hint)


def network_options(func: F) -> F:
    """``--aet``, ``--tls``, ``--tls-ca``, ``--timeout``, ``--retries``: how the network commands associate."""
    func = click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
                        help="Association attempts after the first fails (waits 0.5 s, 1 s, 2 s, ...).")(func)
    func = click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
                        help="Seconds to wait for the connection, the association and each response.")(func)
    func = click.option("--tls-ca", default=None, metavar="PEM",
                        help="The CA certificate(s) that signed the peer's certificate (implies --tls).")(func)
    func = click.option("--tls", is_flag=True, help="DICOM over TLS (or set tls = true in the peers file).")(func)
    func = click.option("--aet", "calling_aet", default=None,
                        help="Our (calling) AE title; default: the peers file's calling_aet, else DICOMHELP.")(func)
    return func


def network_timeouts(timeout: float) -> Any:
    from dicomhelp.net import Timeouts

    return Timeouts(connect=timeout, acse=timeout, dimse=timeout, network=timeout)


def cluster_option(func: F) -> F:
    """``--cluster ADDRESS``: the folder's files as Dask tasks (:mod:`dicomhelp.cluster`)."""
    return click.option(
        "--cluster", metavar="ADDRESS", envvar="DICOMHELP_DASK_SCHEDULER", default=None,
        help="Run the files as Dask tasks on this scheduler (tcp://host:8786), or on N local worker "
        "processes with local:N; the files must be on storage every worker sees. Needs "
        "pip install 'dicomhelp[cluster]'. [env: DICOMHELP_DASK_SCHEDULER]")(func)


def files_from_option(what: str) -> Callable[[F], F]:
    """``--files-from LIST``: a text file of paths, one a line (``-``: standard input); ``what`` they are."""
    return click.option("--files-from", "files_from", metavar="LIST", default=None,
                        help=f"{what} listed in this text file, one path a line (- for standard input), "
                        "as `find` prints them.")
