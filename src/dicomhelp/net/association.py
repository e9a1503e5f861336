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
    import ssl

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
    from pynetdicom import evt

    kwargs["evt_handlers"] = [*kwargs.get("evt_handlers", []), (evt.EVT_CONN_OPEN, no_delay)]
    if peer.tls:
        kwargs["tls_args"] = (tls_context(peer), peer.host)
    attempt = unclear = 0
    while True:
        assoc = ae.associate(peer.host, peer.port, ae_title=peer.aet, **kwargs)
        if assoc.is_established:
            return assoc
        reason, permanent = failure_reason(assoc, peer)
        if "no DICOM service" in reason:
            found = tls_diagnosis(peer, kwargs["tls_args"][0]) if peer.tls else plain_diagnosis(peer)
            if found and not peer.tls and unclear < 2:
                # A peer that rejects and closes at once may reset the connection before its
                # A-ASSOCIATE-RJ is read (Orthanc does, now and then): ask again for the answer.
                unclear += 1
                continue
            reason = found or reason
        if permanent or attempt >= retries:
            raise AssociationError(reason, source=str(peer), hint=_hint(reason))
        sleep(backoff * 2 ** attempt)
        attempt += 1


def tls_context(peer: Peer) -> ssl.SSLContext:
    """Verify the peer's certificate (against ``tls_ca``, else the system's CAs); ours if we have one."""
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=peer.tls_ca)
    if peer.tls_cert:
        ctx.load_cert_chain(peer.tls_cert, peer.tls_key)
    return ctx


def tls_diagnosis(peer: Peer, ctx: ssl.SSLContext) -> str | None:
    """Why a TLS association failed, from a handshake of our own (pynetdicom only says it failed)."""
    import socket
    import ssl

    try:
        with socket.create_connection((peer.host, peer.port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname=peer.host):
            return None
    except ssl.SSLCertVerificationError as exc:
        return f"TLS: the peer's certificate is not trusted ({exc.verify_message}); give its CA with --tls-ca"
    except ssl.SSLError as exc:
        return f"TLS handshake failed ({exc.reason or exc}): does the peer speak TLS on this port?"
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return "TLS handshake failed: the peer closed the connection (does it speak TLS on this port?)"
    except OSError:
        return None


def plain_diagnosis(peer: Peer) -> str | None:
    """A port that takes the connection and then drops the association request is most often TLS-only."""
    import socket

    try:
        with socket.create_connection((peer.host, peer.port), timeout=5):
            pass
    except OSError:
        return None  # refused or unreachable: the general reason says so
    return "the peer took the connection but did not answer the association request (does it expect TLS? use --tls)"


def no_delay(event: Any) -> None:
    """EVT_CONN_OPEN: send each PDU at once (TCP_NODELAY).

    A C-STORE is a request and a dataset written one after the other, then a
    wait for the answer: with Nagle's algorithm the kernel holds the tail back
    for the peer's delayed ACK, ~40 ms per instance (100 instances/s became 10).
    """
    import socket

    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not TCP (a test double) or already closed: only speed is lost


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
    if "TLS" in reason:
        return ""  # the reason says what to do
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
