"""A Storage SCP: writes what it is sent, checks each object and says so in one line.

Bound to the loopback interface unless told otherwise: a receiver that any
host on the network can fill is a decision, not a default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dicomhelp.net.association import no_delay, quiet_pynetdicom
from dicomhelp.net.peers import check_aet
from dicomhelp.net.store import Received, StoreWriter

VERIFICATION = "1.2.840.10008.1.1"


@dataclass
class Arrival:
    """One instance received, with the validator's verdict on it."""

    received: Received
    errors: int = 0
    warnings: int = 0
    verdict: str = ""

    def line(self) -> str:
        r = self.received
        from pydicom.uid import UID

        kind = UID(r.sop_class_uid).name if r.sop_class_uid else "unknown SOP class"
        if r.path is None:
            return f"refused {r.sop_instance_uid} ({kind}) from {r.calling_aet}: {r.reason}"
        note = r.note()
        return f"stored {r.path.name} ({kind}) from {r.calling_aet}: {self.verdict}" + (f"; {note}" if note else "")

    def to_dict(self) -> dict[str, Any]:
        r = self.received
        return {**r.to_dict(), "calling_aet": r.calling_aet, "errors": self.errors, "warnings": self.warnings,
                "verdict": self.verdict}


def start_receiver(out_dir: Path, *, port: int, aet: str = "DICOMHELP", host: str = "127.0.0.1",
                   check: bool = True, on_arrival: Callable[[Arrival], None] | None = None,
                   writer: StoreWriter | None = None) -> Any:
    """A running Storage SCP (a pynetdicom server: ``.shutdown()`` stops it); raises OSError if the port is taken.

    ``writer`` (by default a new one on ``out_dir``) keeps the run's arrivals and its summary.
    """
    from pynetdicom import ALL_TRANSFER_SYNTAXES, AE, AllStoragePresentationContexts, evt

    quiet_pynetdicom()
    out_dir.mkdir(parents=True, exist_ok=True)
    ae = AE(ae_title=check_aet(aet, "--aet"))
    ae.require_called_aet = True  # a sender that names another AE title is told so, not silently served
    ae.add_supported_context(VERIFICATION)
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, ALL_TRANSFER_SYNTAXES)
    writer = writer or StoreWriter(out_dir)

    def on_store(event: Any) -> int:
        status, got = writer.handle(event)
        arrival = _judge(got) if check else Arrival(got, verdict="not checked")
        if on_arrival:
            on_arrival(arrival)
        return status

    return ae.start_server((host, port), block=False,
                           evt_handlers=[(evt.EVT_C_STORE, on_store), (evt.EVT_CONN_OPEN, no_delay)])


def _judge(got: Received) -> Arrival:
    if got.path is None:
        return Arrival(got)
    from dicomhelp.validate import validate_file

    try:
        report = validate_file(got.path)
    except Exception as exc:  # noqa: BLE001 - the file is stored; a validator bug must not refuse it
        return Arrival(got, verdict=f"not checked ({exc})")
    verdict = "valid" if report.ok and not report.warnings else \
        f"{report.errors} error(s), {report.warnings} warning(s) (dicomhelp validate {got.path.name})"
    return Arrival(got, report.errors, report.warnings, verdict)
