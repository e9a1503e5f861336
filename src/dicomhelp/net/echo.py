"""C-ECHO: is the peer there, and does it accept us?"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dicomhelp.net.association import Timeouts, associate, new_ae, status_words
from dicomhelp.net.peers import Peer

VERIFICATION = "1.2.840.10008.1.1"


@dataclass
class EchoResult:
    peer: Peer
    status: int | None
    meaning: str
    milliseconds: float

    @property
    def ok(self) -> bool:
        return self.status == 0

    def line(self) -> str:
        if self.ok:
            return f"{self.peer}: answers C-ECHO ({self.milliseconds:.0f} ms)"
        return f"{self.peer}: {self.meaning}"

    def to_dict(self) -> dict[str, Any]:
        return {"peer": self.peer.to_dict(), "ok": self.ok, "status": self.status, "meaning": self.meaning,
                "milliseconds": round(self.milliseconds, 1)}


def echo(peer: Peer, *, timeouts: Timeouts | None = None, retries: int = 0) -> EchoResult:
    """Raises :class:`~dicomhelp.net.association.AssociationError` when there is no association."""
    ae = new_ae(peer, timeouts or Timeouts())
    ae.add_requested_context(VERIFICATION)
    start = time.perf_counter()
    assoc = associate(ae, peer, retries=retries)
    try:
        rsp = assoc.send_c_echo()
    finally:
        if assoc.is_established:
            assoc.release()
    ms = (time.perf_counter() - start) * 1000
    if "Status" not in rsp:
        return EchoResult(peer, None, "the peer did not answer the C-ECHO", ms)
    code = int(rsp.Status)
    return EchoResult(peer, code, status_words(code)[1], ms)
