"""Associations with a peer, and what their failures and statuses mean in plain words.

pynetdicom logs every failure at ERROR level; the commands say it once, in one
line, so its logger is kept quiet unless ``DICOMHELP_DEBUG`` is set.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import InputError
from dicomhelp.net.peers import Peer

if TYPE_CHECKING:
    from pynetdicom import AE
    from pynetdicom.association import Association


class AssociationError(InputError):
    """The peer could not be reached or refused us (exit 1: the run failed, the input may be fine)."""


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0  # TCP connection
    acse: float = 30.0  # association negotiation
    dimse: float = 60.0  # one response
    network: float = 60.0  # silence on the connection


def quiet_pynetdicom() -> None:
    if not os.environ.get("DICOMHELP_DEBUG"):
        logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)


def new_ae(peer: Peer, timeouts: Timeouts) -> AE:
    from pynetdicom import AE

    quiet_pynetdicom()
    ae = AE(ae_title=peer.calling_aet)
    ae.connection_timeout = timeouts.connect
    ae.acse_timeout = timeouts.acse
    ae.dimse_timeout = timeouts.dimse
    ae.network_timeout = timeouts.network
    return ae


def associate(ae: AE, peer: Peer, *, retries: int = 0, backoff: float = 0.5,
              sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Association:
    """An established association, after ``retries`` more attempts (doubling waits) if the first fails.

    A rejection that says permanent is not retried: asking again gets the same answer.
    """
    attempt = 0
    while True:
        assoc = ae.associate(peer.host, peer.port, ae_title=peer.aet, **kwargs)
        if assoc.is_established:
            return assoc
        reason, permanent = failure_reason(assoc, peer)
        if permanent or attempt >= retries:
            raise AssociationError(reason, source=str(peer), hint=_hint(reason))
        sleep(backoff * 2 ** attempt)
        attempt += 1


def failure_reason(assoc: Association, peer: Peer) -> tuple[str, bool]:
    """Why the association is not established, and whether asking again is pointless."""
    if assoc.is_rejected:
        rsp = assoc.acceptor.primitive
        reason = str(getattr(rsp, "reason_str", "no reason given"))
        permanent = getattr(rsp, "result", 1) == 1
        return f"association rejected by the peer: {reason.lower()}", permanent
    if assoc.is_aborted and getattr(assoc.acceptor, "primitive", None) is None:
        return f"no DICOM service answers at {peer.host}:{peer.port} (connection refused or timed out)", False
    if assoc.is_aborted:
        return "the peer accepted none of the proposed presentation contexts", True
    return "the association could not be established", False


def _hint(reason: str) -> str:
    if "called ae title" in reason.lower():
        return "check the peer's AE title"
    if "calling ae title" in reason.lower():
        return "the peer does not know our AE title: register it there or use --aet"
    if "no DICOM service" in reason:
        return "check host, port and that the peer is running"
    return "check the peer's configuration"


def status_words(code: int, statuses: dict[int, tuple[str, str]] | None = None) -> tuple[str, str]:
    """(category, meaning) of a DIMSE status: ``("Warning", "coercion of data elements")``."""
    from pynetdicom.status import STORAGE_SERVICE_CLASS_STATUS, code_to_category

    table = statuses if statuses is not None else STORAGE_SERVICE_CLASS_STATUS
    category = code_to_category(code)
    meaning = table.get(code, (category, ""))[1]
    return category, (meaning.lower() if meaning else ("stored" if code == 0 else f"status 0x{code:04X}"))


def storage_contexts(sop_classes: Sequence[str], syntaxes: Sequence[str]) -> list[Any]:
    """Presentation contexts, one per (SOP class, transfer syntax): the peer accepts or rejects each alone."""
    from pynetdicom import build_context

    return [build_context(sop, ts) for sop in sop_classes for ts in syntaxes]
