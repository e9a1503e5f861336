"""C-GET (the peer sends the study back on our association) and C-MOVE (to another AE, e.g. ``receive``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dicomhelp.errors import InputError
from dicomhelp.net.association import AssociationError, Timeouts, associate, new_ae, status_words
from dicomhelp.net.find import Query, find
from dicomhelp.net.peers import Peer
from dicomhelp.net.store import Received, StoreWriter

STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3"
STUDY_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.2.2"
# Proposed for every SOP class we may be sent: uncompressed first, then what a PACS may hold
# that it need not decode for us (lossless, and the lossy JPEGs as they are stored).
GET_SYNTAXES = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70",
                "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.50",
                "1.2.840.10008.1.2.4.91"]
MAX_STORAGE_CONTEXTS = 127  # one more is the C-GET context


@dataclass
class RetrieveReport:
    peer: Peer
    study_uid: str
    completed: int = 0
    failed: int = 0
    warning: int = 0
    status: int | None = None
    meaning: str = ""
    received: list[Received] = field(default_factory=list)
    files: str = ""  # the output folder's summary (C-GET): N in, N written, N failed, N duplicate(s)

    @property
    def exit_code(self) -> int:
        return 0 if self.status in (0x0000, 0xB000) and not self.failed else 1

    def summary(self) -> str:
        text = (f"{self.study_uid} from {self.peer}: {self.completed} completed, {self.warning} with warnings, "
                f"{self.failed} failed")
        text = text if self.status == 0 else f"{text}; {self.meaning}"
        return f"{text}; files: {self.files}" if self.files else text

    def to_dict(self) -> dict[str, Any]:
        return {"peer": self.peer.to_dict(), "study_instance_uid": self.study_uid, "completed": self.completed,
                "failed": self.failed, "warning": self.warning,
                "status": None if self.status is None else f"0x{self.status:04X}", "meaning": self.meaning,
                "files": [r.to_dict() for r in self.received], "files_summary": self.files}


def study_sop_classes(peer: Peer, study_uid: str, timeouts: Timeouts) -> list[str]:
    """The SOP classes in the study, by an IMAGE-level C-FIND; storage classes in general if the peer won't say."""
    try:
        rows = find(peer, Query(level="image", study_uid=study_uid), timeouts=timeouts)
        classes = list(dict.fromkeys(r["SOPClassUID"] for r in rows if r["SOPClassUID"]))
    except (AssociationError, InputError):
        classes = []
    if classes:
        return classes[:MAX_STORAGE_CONTEXTS]
    from pynetdicom import StoragePresentationContexts

    return [str(cx.abstract_syntax) for cx in StoragePresentationContexts[:MAX_STORAGE_CONTEXTS]]


def get_study(peer: Peer, study_uid: str, out_dir: Path, *, timeouts: Timeouts | None = None, retries: int = 0,
              progress: Callable[[int, int], None] | None = None) -> RetrieveReport:
    """C-GET a study into ``out_dir``: one file per instance, ``<SOP Instance UID>.dcm``."""
    from pydicom import Dataset
    from pynetdicom import build_role, evt

    times = timeouts or Timeouts()
    out_dir.mkdir(parents=True, exist_ok=True)
    classes = study_sop_classes(peer, study_uid, times)
    ae = new_ae(peer, times)
    ae.add_requested_context(STUDY_ROOT_GET)
    for sop in classes:
        ae.add_requested_context(sop, GET_SYNTAXES)
    roles = [build_role(sop, scp_role=True) for sop in classes]
    writer = StoreWriter(out_dir)
    assoc = associate(ae, peer, retries=retries, ext_neg=roles,
                      evt_handlers=[(evt.EVT_C_STORE, lambda e: writer.handle(e)[0])])
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study_uid
    report = RetrieveReport(peer, study_uid)
    try:
        _follow(assoc.send_c_get(query, STUDY_ROOT_GET), report, "QR_GET_SERVICE_CLASS_STATUS", progress)
    finally:
        if assoc.is_established:
            assoc.release()
        writer.close()
    report.received = writer.received
    report.files = writer.summary()
    return report


def move_study(peer: Peer, study_uid: str, move_to: str, *, timeouts: Timeouts | None = None,
               retries: int = 0, progress: Callable[[int, int], None] | None = None) -> RetrieveReport:
    """C-MOVE a study to the AE titled ``move_to`` (which the peer must know by host and port)."""
    from pydicom import Dataset

    ae = new_ae(peer, timeouts or Timeouts())
    ae.add_requested_context(STUDY_ROOT_MOVE)
    assoc = associate(ae, peer, retries=retries)
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study_uid
    report = RetrieveReport(peer, study_uid)
    try:
        _follow(assoc.send_c_move(query, move_to, STUDY_ROOT_MOVE), report, "QR_MOVE_SERVICE_CLASS_STATUS",
                progress)
    finally:
        if assoc.is_established:
            assoc.release()
    return report


def _follow(responses: Any, report: RetrieveReport, table: str,
            progress: Callable[[int, int], None] | None) -> None:
    """Read the C-GET/C-MOVE responses into ``report``: counts from the last one, progress from the pending ones."""
    from pynetdicom import status as statuses

    for status, _identifier in responses:
        if "Status" not in status:
            report.meaning = "the association was lost during the retrieve"
            report.failed += 0
            return
        code = int(status.Status)
        report.completed = int(status.get("NumberOfCompletedSuboperations", report.completed) or 0)
        report.failed = int(status.get("NumberOfFailedSuboperations", report.failed) or 0)
        report.warning = int(status.get("NumberOfWarningSuboperations", report.warning) or 0)
        remaining = int(status.get("NumberOfRemainingSuboperations", 0) or 0)
        if progress:
            done = report.completed + report.failed + report.warning
            progress(done, done + remaining)
        if code not in (0xFF00, 0xFF01):
            report.status = code
            report.meaning = status_words(code, getattr(statuses, table))[1]
