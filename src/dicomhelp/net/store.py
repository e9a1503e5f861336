"""Writing what a peer sends us: one file per instance, named by its SOP Instance UID, never overwriting.

Files are placed through :class:`dicomhelp.io.OutputFolder` (the one output-naming
rule): the same object sent twice is written once and reported as a duplicate; a
different object under a SOP Instance UID already in the folder arrives as
``<uid>_2.dcm`` beside the first, which stays as it was.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UID_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*$")
# PS3.4 B.2.3: the C-STORE statuses a Storage SCP answers with.
SUCCESS, OUT_OF_RESOURCES, CANNOT_UNDERSTAND = 0x0000, 0xA700, 0xC000


@dataclass
class Received:
    path: Path | None
    sop_instance_uid: str
    sop_class_uid: str
    calling_aet: str
    status: int
    reason: str = ""
    placement: str = ""  # "written" or "duplicate" (same bytes already in the folder) when path is set
    wanted: str | None = None  # the name it would have had, when that was taken by other content

    def note(self) -> str:
        """What the naming rule did, in words ("" when the file simply got its name)."""
        if self.placement == "duplicate":
            return "duplicate: the same bytes are already in the folder, written once"
        if self.wanted:
            return f"name taken: {self.wanted} holds another object with this SOP Instance UID; not overwritten"
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path) if self.path else None, "sop_instance_uid": self.sop_instance_uid,
                "sop_class_uid": self.sop_class_uid, "status": f"0x{self.status:04X}", "reason": self.reason,
                "placement": self.placement or "failed", "wanted": self.wanted}


class StoreWriter:
    """The EVT_C_STORE handler: writes the bytes exactly as they arrived (preamble and file meta added).

    pynetdicom calls it from one thread per association, hence the lock around
    the folder's bookkeeping (staging names, placing, the list of arrivals).
    """

    def __init__(self, out_dir: Path):
        from dicomhelp.io import OutputFolder

        self.out_dir = out_dir
        self.folder = OutputFolder(out_dir)
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def handle(self, event: Any) -> tuple[int, Received]:
        req = event.request
        uid = str(req.AffectedSOPInstanceUID or "")
        sop_class = str(req.AffectedSOPClassUID or "")
        calling = str(event.assoc.requestor.ae_title).strip()
        if not UID_PATTERN.match(uid) or len(uid) > 64:
            got = Received(None, uid, sop_class, calling, CANNOT_UNDERSTAND, "the SOP Instance UID is not a UID")
            with self._lock:
                self.folder.fail(f"{calling}:{uid}", got.reason)
                self.received.append(got)
            return got.status, got
        return self.write(event.encoded_dataset(), uid, sop_class, calling)

    def write(self, data: bytes | Any, uid: str, sop_class: str, calling: str) -> tuple[int, Received]:
        """Place one instance (its encoded bytes, or a pydicom Dataset) as ``<uid>.dcm`` by the naming rule."""
        from dicomhelp.io import write_atomic, write_bytes_atomic

        with self._lock:
            staged = self.folder.stage()
        try:
            if isinstance(data, bytes):
                write_bytes_atomic(data, staged)
            else:
                write_atomic(data, staged)
            with self._lock:
                placed = self.folder.place(staged, f"{uid}.dcm", f"{calling}:{uid}")
            got = Received(placed.output, uid, sop_class, calling, SUCCESS, placement=placed.status,
                           wanted=placed.wanted)
        except OSError as exc:
            if staged.exists():
                staged.unlink()
            got = Received(None, uid, sop_class, calling, OUT_OF_RESOURCES, f"cannot write: {exc.strerror}")
            with self._lock:
                self.folder.fail(f"{calling}:{uid}", got.reason)
        with self._lock:
            self.received.append(got)
        return got.status, got

    def summary(self) -> str:
        with self._lock:
            return self.folder.summary()

    def close(self) -> None:
        self.folder.discard_staged()
