"""The send journal: which instances a peer has confirmed, so a re-run resends only the rest.

JSON Lines, one line appended and flushed per peer response: a killed
process loses at most the line being written (a torn last line is ignored
on reading). Flushed, not fsynced: the journal protects against a lost
association or a killed process, where the kernel keeps what was flushed;
after a power loss the peer is asked again, and a PACS treats a second copy of
the same SOP Instance UID as the same instance.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import IO

from dicomhelp.net.peers import Peer


def default_journal(peer: Peer, inputs: list[str]) -> Path:
    """One journal per peer and set of inputs, in the user's state folder."""
    from platformdirs import user_state_path

    key = "\n".join([str(peer), *sorted(os.path.abspath(p) for p in inputs)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return user_state_path("dicomhelp") / "send-journals" / f"{peer.aet}-{digest}.jsonl"


class Journal:
    def __init__(self, path: Path, peer: Peer):
        self.path = path
        self.peer = str(peer)
        self._fh: IO[str] | None = None
        self._lock = threading.Lock()  # associations in parallel (send --jobs) share the journal

    def confirmed(self) -> set[str]:
        """SOP Instance UIDs this peer has stored (success or warning)."""
        if not self.path.exists():
            return set()
        done: set[str] = set()
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # the line a killed process was writing
            if entry.get("peer") == self.peer and entry.get("stored"):
                done.add(str(entry.get("sop_instance_uid")))
        return done

    def record(self, sop_instance_uid: str, status: int, stored: bool) -> None:
        entry = {"peer": self.peer, "sop_instance_uid": sop_instance_uid, "status": f"0x{status:04X}",
                 "stored": stored}
        with self._lock:
            if self._fh is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = self.path.open("a", encoding="utf-8")
            self._fh.write(json.dumps(entry) + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
