"""Writing what a peer sends us: one file per instance, named by its SOP Instance UID, written atomically."""

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


class StoreWriter:
    """The EVT_C_STORE handler: writes the bytes exactly as they arrived (preamble and file meta added)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def handle(self, event: Any) -> tuple[int, Received]:
        from dicomhelp.io import write_bytes_atomic

        req = event.request
        uid = str(req.AffectedSOPInstanceUID or "")
        sop_class = str(req.AffectedSOPClassUID or "")
        calling = str(event.assoc.requestor.ae_title).strip()
        if not UID_PATTERN.match(uid) or len(uid) > 64:
            got = Received(None, uid, sop_class, calling, CANNOT_UNDERSTAND, "the SOP Instance UID is not a UID")
        else:
            try:
                path = write_bytes_atomic(event.encoded_dataset(), self.out_dir / f"{uid}.dcm")
                got = Received(path, uid, sop_class, calling, SUCCESS)
            except OSError as exc:
                got = Received(None, uid, sop_class, calling, OUT_OF_RESOURCES, f"cannot write: {exc.strerror}")
        with self._lock:
            self.received.append(got)
        return got.status, got
