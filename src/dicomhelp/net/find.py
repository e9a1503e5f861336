"""C-FIND in the Study Root information model: studies, series or instances that match."""

from __future__ import annotations

from dataclasses import dataclass

from dicomhelp.errors import InputError
from dicomhelp.net.association import Timeouts, associate, new_ae, status_words
from dicomhelp.net.peers import Peer

STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
LEVELS = {"study": "STUDY", "series": "SERIES", "image": "IMAGE"}
# What each level returns: the columns of `dicomhelp find`.
RETURN_KEYS = {
    "STUDY": ["PatientID", "PatientName", "StudyDate", "AccessionNumber", "ModalitiesInStudy", "StudyDescription",
              "NumberOfStudyRelatedInstances", "StudyInstanceUID"],
    "SERIES": ["PatientID", "StudyInstanceUID", "SeriesNumber", "Modality", "SeriesDescription",
               "NumberOfSeriesRelatedInstances", "SeriesInstanceUID"],
    "IMAGE": ["PatientID", "StudyInstanceUID", "SeriesInstanceUID", "InstanceNumber", "SOPClassUID",
              "SOPInstanceUID"],
}


@dataclass(frozen=True)
class Query:
    level: str = "study"
    patient_id: str | None = None
    accession: str | None = None
    study_date: str | None = None  # DA or a range: 20240101-20241231
    modality: str | None = None
    study_uid: str | None = None
    series_uid: str | None = None


def find(peer: Peer, query: Query, *, timeouts: Timeouts | None = None, retries: int = 0) -> list[dict[str, str]]:
    """The matches, one dict per study/series/instance with the level's return keys (values as text)."""
    from pydicom import Dataset

    level = LEVELS[query.level]
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for key in RETURN_KEYS[level]:
        setattr(ds, key, "")
    matches = {"PatientID": query.patient_id, "AccessionNumber": query.accession, "StudyDate": query.study_date,
               "StudyInstanceUID": query.study_uid, "SeriesInstanceUID": query.series_uid,
               ("ModalitiesInStudy" if level == "STUDY" else "Modality"): query.modality}
    for key, value in matches.items():
        if value:
            setattr(ds, key, value)
    ae = new_ae(peer, timeouts or Timeouts())
    ae.add_requested_context(STUDY_ROOT_FIND)
    assoc = associate(ae, peer, retries=retries)
    rows: list[dict[str, str]] = []
    try:
        for status, identifier in assoc.send_c_find(ds, STUDY_ROOT_FIND):
            if "Status" not in status:
                raise InputError("the association was lost during the C-FIND", source=str(peer))
            code = int(status.Status)
            if code in (0xFF00, 0xFF01) and identifier is not None:
                rows.append({key: text_of(identifier.get(key)) for key in RETURN_KEYS[level]})
            elif code != 0:
                from pynetdicom.status import QR_FIND_SERVICE_CLASS_STATUS

                raise InputError(f"C-FIND failed: {status_words(code, QR_FIND_SERVICE_CLASS_STATUS)[1]} "
                                 f"[0x{code:04X}]", source=str(peer))
    finally:
        if assoc.is_established:
            assoc.release()
    return rows


def text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)  # type: ignore[union-attr]
    return str(value)
