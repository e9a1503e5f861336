"""DICOMweb through dicomweb-client: STOW-RS to store, QIDO-RS to query, WADO-RS to fetch.

The same results as the DIMSE services (one :class:`InstanceResult` per
instance, the same journal, the same rows as ``find``), so the commands take
``--web URL`` and print the same lines. Credentials may be in the URL
(``http://user:password@host/dicom-web``): they are sent as HTTP Basic
authentication and left out of every message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dicomhelp.errors import InputError, UsageError
from dicomhelp.net.find import LEVELS, RETURN_KEYS, Query, text_of
from dicomhelp.net.send import InstanceResult, Item, SendReport, SendRun
from dicomhelp.net.store import StoreWriter

STOW_BATCH = 50  # instances per STOW-RS request: one multipart body each


@dataclass(frozen=True)
class WebPeer:
    """A DICOMweb service: its base URL (without credentials) and the Basic authentication for it."""

    url: str
    user: str | None = None
    password: str | None = None

    @property
    def aet(self) -> str:  # the journal's file name prefix
        return "web"

    def __str__(self) -> str:
        return self.url

    def to_dict(self) -> dict[str, object]:
        return {"url": self.url, "user": self.user}


def parse_web(url: str) -> WebPeer:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"'{url}' is not an http(s) URL", source="--web",
                         hint="the service's root, e.g. http://127.0.0.1:8042/dicom-web")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return WebPeer(clean, parts.username, parts.password)


def _client(peer: WebPeer, timeout: float, retries: int) -> Any:
    import logging

    from dicomweb_client.api import DICOMwebClient
    from dicomweb_client.session_utils import create_session, create_session_from_user_pass

    logging.getLogger("dicomweb_client").setLevel(logging.CRITICAL)
    session = (create_session_from_user_pass(peer.user, peer.password or "") if peer.user else create_session())
    session.request = _with_timeout(session.request, timeout)  # type: ignore[method-assign]
    client = DICOMwebClient(peer.url, session=session)
    # Its default is 5 attempts, 1 s doubling: half a minute before a closed port is reported.
    client.set_http_retry_params(retry=retries > 0, max_attempts=retries + 1, wait_exponential_multiplier=500)
    return client


def _with_timeout(request: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout)
        return request(*args, **kwargs)

    return call


def _http_error(exc: Exception, peer: WebPeer) -> InputError:
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        why = {401: "authentication required or refused", 403: "not allowed",
               404: "no such resource (check the DICOMweb root)"}.get(code, exc.response.reason or "")
        return InputError(f"HTTP {code}: {why}", source=str(peer))
    if isinstance(exc, requests.ConnectionError):
        return InputError("no HTTP service answers", source=str(peer), hint="check the URL and that it is running")
    return InputError(f"{type(exc).__name__}: {exc}", source=str(peer))


def stow_paths(paths: Sequence[str], peer: WebPeer, *, check: bool = True, journal: Path | None = None,
               resend: bool = False, timeout: float = 60.0, retries: int = 2,
               on_result: Callable[[InstanceResult], None] | None = None) -> SendReport:
    """STOW-RS every instance under ``paths``: the same checks, journal and lines as :func:`send_paths`."""
    import requests

    start = time.perf_counter()
    run = SendRun.start(paths, peer, check=check, journal=journal, resend=resend, on_result=on_result)
    report, book, done, pending = run.report, run.book, run.done, run.pending
    client = _client(peer, timeout, retries) if pending else None
    try:
        for first in range(0, len(pending), STOW_BATCH):
            batch = pending[first:first + STOW_BATCH]
            try:
                answer = _stow(client, batch)
            except (requests.RequestException, OSError) as exc:
                error = _http_error(exc, peer)
                if not any(r.status is not None for r in report.results):
                    raise error from None
                for item in batch + pending[first + STOW_BATCH:]:
                    done(InstanceResult(str(item.path), item.sop_instance, "failed",
                                        meaning=f"not confirmed: {error.message}"))
                break
            for item in batch:
                result = answer.get(item.sop_instance) or InstanceResult(
                    str(item.path), item.sop_instance, "failed", meaning="the response does not mention it")
                result.path = str(item.path)
                if result.status is not None:
                    book.record(item.sop_instance, result.status, result.confirmed)
                done(result)
    finally:
        book.close()
    report.seconds = time.perf_counter() - start
    return report


def _stow(client: Any, batch: list[Item]) -> dict[str, InstanceResult]:
    """One STOW-RS request; the response's verdict per SOP Instance UID (PS3.18 10.5.3)."""
    from pydicom import dcmread

    response = client.store_instances([dcmread(item.path) for item in batch])
    results: dict[str, InstanceResult] = {}
    for ref in response.get("ReferencedSOPSequence", []):
        uid = str(ref.get("ReferencedSOPInstanceUID", ""))
        warning = ref.get("WarningReason")
        results[uid] = InstanceResult("", uid, "warning" if warning else "stored", int(warning or 0),
                                      _reason(int(warning)) if warning else "stored")
    for ref in response.get("FailedSOPSequence", []):
        uid = str(ref.get("ReferencedSOPInstanceUID", ""))
        code = int(ref.get("FailureReason", 0x0110))
        results[uid] = InstanceResult("", uid, "failed", code, _reason(code))
    return results


def _reason(code: int) -> str:
    from dicomhelp.net.association import status_words

    return status_words(code)[1]


def qido(peer: WebPeer, query: Query, *, timeout: float = 60.0, retries: int = 2) -> list[dict[str, str]]:
    """QIDO-RS: the same rows as :func:`dicomhelp.net.find`."""
    import requests
    from pydicom import Dataset

    level = LEVELS[query.level]
    filters = {k: v for k, v in {"PatientID": query.patient_id, "AccessionNumber": query.accession,
                                 "StudyDate": query.study_date, "StudyInstanceUID": query.study_uid,
                                 "SeriesInstanceUID": query.series_uid,
                                 ("ModalitiesInStudy" if level == "STUDY" else "Modality"): query.modality}.items()
               if v}
    client = _client(peer, timeout, retries)
    search = {"STUDY": client.search_for_studies, "SERIES": client.search_for_series,
              "IMAGE": client.search_for_instances}[level]
    try:
        found = search(search_filters=filters, fields=RETURN_KEYS[level])
    except (requests.RequestException, OSError) as exc:
        raise _http_error(exc, peer) from None
    rows = []
    for item in found:
        ds = Dataset.from_json(item)
        rows.append({key: text_of(ds.get(key)) for key in RETURN_KEYS[level]})
    return rows


def wado_study(peer: WebPeer, study_uid: str, out_dir: Path, *, timeout: float = 60.0,
               retries: int = 2) -> StoreWriter:
    """WADO-RS: the study's instances placed into ``out_dir`` by the naming rule (:class:`StoreWriter`)."""
    import requests

    from dicomhelp.net.store import UID_PATTERN

    client = _client(peer, timeout, retries)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = StoreWriter(out_dir)
    try:
        for ds in client.iter_study(study_uid):
            uid = str(ds.get("SOPInstanceUID", ""))
            if not UID_PATTERN.match(uid):
                raise InputError(f"an instance of the study has no valid SOP Instance UID ({uid!r})", source=str(peer))
            _status, got = writer.write(ds, uid, str(ds.get("SOPClassUID", "")), "web")
            if got.path is None:
                raise InputError(f"cannot write {uid}.dcm: {got.reason}", source=str(out_dir))
    except (requests.RequestException, OSError) as exc:
        raise _http_error(exc, peer) from None
    finally:
        writer.close()
    return writer
