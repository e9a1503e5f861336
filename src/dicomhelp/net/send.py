"""C-STORE of files, folders and DICOMDIRs, with a pre-send check and a journal.

Presentation contexts are proposed one per (SOP class, transfer syntax): the
file's own syntax and Explicit VR Little Endian, so the peer can accept one and
refuse the other. A file goes in its own syntax when the peer takes it; else
in Explicit VR Little Endian, decoded losslessly by dicomhelp's codecs. A lossy
file is never decompressed without ``allow_decompress``: the copy would look
like an original.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dicomhelp.errors import InputError
from dicomhelp.net.association import AssociationError, Timeouts, associate, new_ae, status_words, storage_contexts
from dicomhelp.net.journal import Journal, default_journal
from dicomhelp.net.peers import Peer

if TYPE_CHECKING:
    from pynetdicom.association import Association

    from dicomhelp.validate import RunReport

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
MAX_CONTEXTS = 128  # PS3.8 9.3.2: presentation context IDs are odd numbers 1..255


@dataclass
class Item:
    """A file to send, from its header."""

    path: Path
    sop_class: str
    sop_instance: str
    syntax: str


@dataclass
class InstanceResult:
    path: str
    sop_instance_uid: str | None
    outcome: str  # "stored", "warning", "failed", "already stored"
    status: int | None = None  # the peer's status code
    meaning: str = ""  # the status or the failure in plain words
    note: str | None = None  # how it was sent, when not as it is on disk

    @property
    def confirmed(self) -> bool:
        return self.outcome in ("stored", "warning", "already stored")

    def line(self) -> str:
        code = f" [0x{self.status:04X}]" if self.status is not None and self.status != 0 else ""
        text = f"{self.outcome}: {self.path}"
        if self.meaning and self.outcome != "stored":
            text += f": {self.meaning}{code}"
        if self.note:
            text += f" ({self.note})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sop_instance_uid": self.sop_instance_uid, "outcome": self.outcome,
                "status": None if self.status is None else f"0x{self.status:04X}", "meaning": self.meaning,
                "note": self.note}


@dataclass
class SendReport:
    peer: Peer
    journal: Path
    results: list[InstanceResult] = field(default_factory=list)
    check: RunReport | None = None
    seconds: float = 0.0

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def exit_code(self) -> int:
        return 0 if all(r.confirmed for r in self.results) else 1

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o}" for o in ("stored", "warning", "already stored", "failed") if self.count(o)]
        transcoded = sum(1 for r in self.results if r.note)
        if transcoded:
            parts.append(f"{transcoded} transcoded for the peer")
        return f"{len(self.results)} instance(s) to {self.peer}: {', '.join(parts) or 'nothing to send'}"

    def to_dict(self) -> dict[str, Any]:
        return {"peer": self.peer.to_dict(), "journal": str(self.journal), "seconds": round(self.seconds, 3),
                "instances": [r.to_dict() for r in self.results],
                "summary": {o: self.count(o) for o in ("stored", "warning", "already stored", "failed")},
                "check": self.check.summary_dict() if self.check is not None else None}


class CheckFailed(InputError):
    """The pre-send check found errors: nothing was sent."""

    def __init__(self, run: RunReport):
        self.run = run
        super().__init__(f"the pre-send check found {run.errors} error(s) in "
                         f"{sum(1 for r in run.files if not r.ok)} file(s): nothing was sent",
                         hint="fix them, or send anyway with --no-check")


def pre_send_check(paths: Sequence[str]) -> RunReport:
    """The files validated as a set; raises :class:`CheckFailed` when there are errors."""
    from dicomhelp.validate import validate_paths

    run = validate_paths(paths, as_set=True)
    if run.errors:
        raise CheckFailed(run)
    return run


@dataclass
class SendRun:
    """What ``send`` and ``send --web`` share: the report, the journal and the instances still to send."""

    report: SendReport
    book: Journal
    pending: list[Item]
    on_result: Callable[[InstanceResult], None] | None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, paths: Sequence[str], peer: Any, *, check: bool, journal: Path | None, resend: bool,
              on_result: Callable[[InstanceResult], None] | None) -> SendRun:
        """Check the files (raises :class:`CheckFailed`), read the journal, report what it confirms."""
        report = SendReport(peer, journal or default_journal(peer, list(paths)))
        if check:
            report.check = pre_send_check(paths)
        book = Journal(report.journal, peer)
        confirmed = set() if resend else book.confirmed()
        run = cls(report, book, [], on_result)
        for entry in items_in(paths):
            if isinstance(entry, InstanceResult):
                run.done(entry)
            elif entry.sop_instance in confirmed:
                run.done(InstanceResult(str(entry.path), entry.sop_instance, "already stored",
                                        meaning="confirmed by the peer in an earlier run (journal)"))
            else:
                run.pending.append(entry)
        return run

    def done(self, result: InstanceResult) -> None:
        """One instance's result, reported once (from whichever association's thread)."""
        with self.lock:
            self.report.results.append(result)
            if self.on_result:
                self.on_result(result)


def send_paths(paths: Sequence[str], peer: Peer, *, check: bool = True, allow_decompress: bool = False,
               journal: Path | None = None, resend: bool = False, timeouts: Timeouts | None = None,
               retries: int = 2, jobs: int = 1,
               on_result: Callable[[InstanceResult], None] | None = None) -> SendReport:
    """Send every DICOM instance under ``paths`` to ``peer``, skipping those its journal confirms.

    ``on_result`` is called once per instance, as the peer answers (from one
    thread at a time). ``jobs`` associations send in parallel, each a share of
    the instances: a PACS that takes its time per instance serves several at once.
    """
    start = time.perf_counter()
    run = SendRun.start(paths, peer, check=check, journal=journal, resend=resend, on_result=on_result)
    report, book, done, items, lock = run.report, run.book, run.done, run.pending, run.lock

    def share(part: list[Item]) -> None:
        for group in _context_groups(part):
            with lock:
                answered = any(r.status is not None for r in report.results)
            _send_group(group, peer, timeouts or Timeouts(), retries, allow_decompress, book, done,
                        first=not answered)

    try:
        if jobs <= 1 or len(items) < 2:
            share(items)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(share, items[i::jobs]) for i in range(jobs)]
            for future in futures:
                future.result()  # the first association that could not be made, if any
    finally:
        book.close()
    report.seconds = time.perf_counter() - start
    return report


def items_in(paths: Sequence[str]) -> Iterator[Item | InstanceResult]:
    """Each instance's header, in a stable order; a DICOMDIR stands for the files it lists."""
    from dicomhelp.io import iter_files, read_file

    seen: set[Path] = set()
    for path in _expand_dicomdirs(iter_files(paths)):
        if path in seen:
            continue
        seen.add(path)
        try:
            dfile = read_file(path)
        except InputError as exc:
            yield InstanceResult(str(path), None, "failed", meaning=exc.message)
            continue
        ds = dfile.dataset
        sop_class, sop_instance = str(ds.get("SOPClassUID", "")), str(ds.get("SOPInstanceUID", ""))
        if sop_class == DICOMDIR_CLASS:
            continue  # an index: the files it lists are in the folder (or expanded above)
        if dfile.damaged or not sop_class or not sop_instance:
            why = dfile.problems[0] if dfile.problems else "no SOP Class UID or SOP Instance UID"
            yield InstanceResult(str(path), sop_instance or None, "failed", meaning=f"not sent: {why}")
            continue
        yield Item(path, sop_class, sop_instance, dfile.transfer_syntax or "1.2.840.10008.1.2")


def _expand_dicomdirs(files: Iterator[Path]) -> Iterator[Path]:
    for path in files:
        if path.name.upper() != "DICOMDIR":
            yield path
            continue
        from pydicom import dcmread

        try:
            records = dcmread(path, stop_before_pixels=True).get("DirectoryRecordSequence", [])
        except Exception:  # noqa: BLE001 - a damaged index: its folder's files are still walked
            continue
        for record in records:
            ref = record.get("ReferencedFileID")
            if ref:
                parts = [ref] if isinstance(ref, str) else list(ref)
                yield path.parent.joinpath(*parts)


def _context_groups(items: list[Item]) -> Iterator[list[Item]]:
    """Items in groups whose presentation contexts fit one association."""
    group: list[Item] = []
    pairs: set[tuple[str, str]] = set()
    for item in items:
        new = {(item.sop_class, item.syntax), (item.sop_class, EXPLICIT_VR_LE)} - pairs
        if len(pairs) + len(new) > MAX_CONTEXTS:
            yield group
            group, pairs = [], set()
            new = {(item.sop_class, item.syntax), (item.sop_class, EXPLICIT_VR_LE)}
        group.append(item)
        pairs |= new
    if group:
        yield group


def _send_group(items: list[Item], peer: Peer, timeouts: Timeouts, retries: int, allow_decompress: bool,
                book: Journal, done: Callable[[InstanceResult], None], *, first: bool) -> None:
    """Send ``items`` on one association (more if it is lost); ``first``: nothing answered yet in this run.

    When the first association of a run cannot be made, that is the one thing to
    say (:class:`AssociationError`), not the same reason once per file.
    """
    classes = list(dict.fromkeys(i.sop_class for i in items))
    contexts = []
    for sop in classes:
        syntaxes = list(dict.fromkeys([*(i.syntax for i in items if i.sop_class == sop), EXPLICIT_VR_LE]))
        contexts += storage_contexts([sop], syntaxes)
    ae = new_ae(peer, timeouts)
    queue = list(items)
    reconnects = 0
    while queue:
        try:
            assoc = associate(ae, peer, retries=retries, contexts=contexts)
        except AssociationError as exc:
            if first and reconnects == 0:
                raise
            why = exc.message if reconnects == 0 else f"the association was lost and a new one failed: {exc.message}"
            for item in queue:
                done(InstanceResult(str(item.path), item.sop_instance, "failed",
                                    meaning=f"not confirmed: {why}; run the same command again to send what "
                                            "is missing"))
            return
        accepted = {(str(cx.abstract_syntax), str(cx.transfer_syntax[0])) for cx in assoc.accepted_contexts}
        try:
            while queue:
                result = _store(assoc, queue[0], accepted, allow_decompress)
                if result is None:  # the association was lost before the peer answered
                    break
                queue.pop(0)
                if result.status is not None:
                    book.record(result.sop_instance_uid or "", result.status, result.confirmed)
                done(result)
        finally:
            if assoc.is_established:
                assoc.release()
        if queue:
            reconnects += 1
            if reconnects > retries:
                for item in queue:
                    done(InstanceResult(str(item.path), item.sop_instance, "failed",
                                        meaning="the association was lost before the peer confirmed it; "
                                                "run the same command again to send what is missing"))
                return
            time.sleep(0.5 * 2 ** (reconnects - 1))


def _store(assoc: Association, item: Item, accepted: set[tuple[str, str]],
           allow_decompress: bool) -> InstanceResult | None:
    """One C-STORE; None when the association died without an answer."""
    name = str(item.path)
    note = None
    if (item.sop_class, item.syntax) in accepted:
        payload: Any = item.path
    elif (item.sop_class, EXPLICIT_VR_LE) in accepted:
        try:
            payload, note = _as_explicit_le(item, allow_decompress)
        except InputError as exc:
            return InstanceResult(name, item.sop_instance, "failed", meaning=exc.message)
    else:
        from pydicom.uid import UID

        return InstanceResult(name, item.sop_instance, "failed",
                              meaning=f"the peer does not store {UID(item.sop_class).name} objects "
                                      f"(it rejected every presentation context for {item.sop_class})")
    try:
        rsp = assoc.send_c_store(payload)
    except RuntimeError:  # the association ended between two instances
        return None
    except (ValueError, AttributeError) as exc:  # pynetdicom could not encode or read the dataset
        return InstanceResult(name, item.sop_instance, "failed", meaning=f"could not be sent: {exc}")
    if "Status" not in rsp:
        # No answer: aborted, timed out or garbled; pynetdicom aborts the association in each case,
        # sometimes a moment after returning, so the instance is unconfirmed and asked again.
        assoc.abort()
        return None
    code = int(rsp.Status)
    category, meaning = status_words(code)
    comment = rsp.get("ErrorComment")
    if comment:
        meaning = f"{meaning}: {comment}"
    outcome = {"Success": "stored", "Warning": "warning"}.get(category, "failed")
    return InstanceResult(name, item.sop_instance, outcome, code, meaning, note)


def _as_explicit_le(item: Item, allow_decompress: bool) -> tuple[Any, str]:
    """The instance re-encoded in Explicit VR Little Endian, and a note saying so."""
    from pydicom.uid import UID

    from dicomhelp.codecs import LOSSY_SOURCE_SYNTAXES, Compression, transcode
    from dicomhelp.io import read_file

    source = UID(item.syntax).name
    if item.syntax in UNCOMPRESSED:
        ds = read_file(item.path, pixels=True).dataset
        ds.file_meta.TransferSyntaxUID = EXPLICIT_VR_LE
        return ds, f"re-encoded from {source} to Explicit VR Little Endian"
    if item.syntax in LOSSY_SOURCE_SYNTAXES and not allow_decompress:
        raise InputError(f"the peer accepts it only uncompressed, and it is lossy ({source}): a decompressed "
                         "copy would hide that (use --allow-decompress to send it anyway)")
    ds = read_file(item.path, pixels=True).dataset
    result = transcode(ds, Compression("none"), new_uid=lambda: item.sop_instance, source=str(item.path))
    return result.dataset, f"decompressed from {source} to Explicit VR Little Endian, lossless"

