"""The conditions of Type 1C/2C attributes that can be decided from the data set.

PS3.3 states each condition in prose; the common ones are hand-coded here.
Each returns True (required here), False (not required) or None (cannot be
decided from the data: the attribute is then not demanded). A present 1C
attribute must have a value whatever its condition (PS3.5 7.4.2), which the
IOD rule checks without these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Condition = Callable[[Any, Any, str], "bool | None"]

# Body parts that come in pairs (PS3.16 Annex L lists the laterality of each region);
# Laterality is needed when one of these was examined (PS3.3 C.7.3.1).
PAIRED_BODY_PARTS = frozenset({
    "BREAST", "EYE", "EAR", "KIDNEY", "OVARY", "TESTIS", "ADRENAL", "LUNG", "HIP", "KNEE", "SHOULDER", "ELBOW",
    "WRIST", "HAND", "FOOT", "ANKLE", "ARM", "LEG", "FEMUR", "TIBIA", "FIBULA", "HUMERUS", "RADIUS", "ULNA",
    "CLAVICLE", "SCAPULA", "FINGER", "TOE", "THUMB", "HEEL", "FOREARM", "UPRLIMB", "LOWRLIMB", "PAROTID",
    "SUBMANDIBULAR", "ORBIT", "FALLOPIAN", "EPIDIDYMIS", "SEMVESICLE", "THIGH", "CALF", "KNEECAP", "AXILLA",
})

# SOP classes whose Patient Position is required when no Patient Orientation Code Sequence is sent.
PATIENT_POSITION_CLASSES = frozenset({
    "1.2.840.10008.5.1.4.1.1.2",  # CT
    "1.2.840.10008.5.1.4.1.1.4",  # MR
    "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT
    "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR
    "1.2.840.10008.5.1.4.1.1.4.3",  # Enhanced MR Color
    "1.2.840.10008.5.1.4.1.1.4.2",  # MR Spectroscopy
})


def _value(ds: Any, keyword: str) -> Any:
    try:
        elem = ds.get(keyword)
    except Exception:  # noqa: BLE001 - a broken value counts as absent
        return None
    return None if elem is None else elem


def _text(ds: Any, keyword: str) -> str | None:
    v = _value(ds, keyword)
    if v is None or v in ("", b""):
        return None
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return "\\".join(str(x) for x in v)
    return str(v).strip()


def _int(ds: Any, keyword: str) -> int | None:
    v = _value(ds, keyword)
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _present(ds: Any, keyword: str) -> bool:
    return keyword in ds


def samples_over_one(item: Any, root: Any, sop: str) -> bool | None:
    n = _int(item, "SamplesPerPixel")
    return None if n is None else n > 1


def palette(item: Any, root: Any, sop: str) -> bool | None:
    pi = _text(item, "PhotometricInterpretation")
    return None if pi is None else pi == "PALETTE COLOR"


def pixel_data(item: Any, root: Any, sop: str) -> bool | None:
    # Required unless the pixels are sent another way (float data, a provider URL).
    others = ("FloatPixelData", "DoubleFloatPixelData", "PixelDataProviderURL")
    return not any(_present(item, k) for k in others)


def multi_frame(item: Any, root: Any, sop: str) -> bool | None:
    n = _int(item, "NumberOfFrames")
    return None if n is None else n > 1


def lossy(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "LossyImageCompression")
    return None if v is None else v == "01"


def laterality(item: Any, root: Any, sop: str) -> bool | None:
    if _present(item, "ImageLaterality") or _present(item, "FrameLaterality"):
        return False
    part = _text(item, "BodyPartExamined")
    if part is None:
        return None
    return part.upper() in PAIRED_BODY_PARTS


def patient_position(item: Any, root: Any, sop: str) -> bool | None:
    if _present(root, "PatientOrientationCodeSequence"):
        return False
    return sop in PATIENT_POSITION_CLASSES


def container(item: Any, root: Any, sop: str) -> bool | None:
    vt = _text(item, "ValueType")
    return None if vt is None else vt == "CONTAINER"


def verified(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "VerificationFlag")
    return None if v is None else v == "VERIFIED"


def window_center(item: Any, root: Any, sop: str) -> bool | None:
    return not _present(item, "VOILUTSequence")


def window_width(item: Any, root: Any, sop: str) -> bool | None:
    return _present(item, "WindowCenter")


def _identity_removed(item: Any) -> bool | None:
    v = _text(item, "PatientIdentityRemoved")
    return None if v is None else v == "YES"


def deid_method(item: Any, root: Any, sop: str) -> bool | None:
    # PS3.3 C.7.1.1: one of the two is required when the identity was removed.
    removed = _identity_removed(item)
    return removed and not _present(item, "DeidentificationMethodCodeSequence")


def deid_codes(item: Any, root: Any, sop: str) -> bool | None:
    removed = _identity_removed(item)
    return removed and not _present(item, "DeidentificationMethod")


def patient_geometry(item: Any, root: Any, sop: str) -> bool | None:
    v = _text(item, "RTPlanGeometry")
    return None if v is None else v == "PATIENT"


# IODs whose images must carry Image Plane (orientation/position): Patient Orientation is then not needed.
IMAGE_PLANE_CLASSES = PATIENT_POSITION_CLASSES | frozenset({
    "1.2.840.10008.5.1.4.1.1.128",  # PET
    "1.2.840.10008.5.1.4.1.1.481.1",  # RT Image has its own geometry
})


def patient_orientation(item: Any, root: Any, sop: str) -> bool | None:
    # PS3.3 C.7.6.1: required if the image needs neither Image Orientation/Position (Patient)
    # nor Patient Orientation Code Sequence.
    if _present(root, "ImageOrientationPatient") or _present(root, "PatientOrientationCodeSequence"):
        return False
    if _orientation_in_functional_groups(root):
        return False  # multi-frame IODs (SEG, Enhanced CT) carry it in Plane Orientation (Patient)
    return sop not in IMAGE_PLANE_CLASSES


def _orientation_in_functional_groups(root: Any) -> bool:
    for keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = _value(root, keyword)
        first = groups[0] if groups else None
        if first is not None and _present(first, "PlaneOrientationSequence"):
            plane = _value(first, "PlaneOrientationSequence")
            if plane and _present(plane[0], "ImageOrientationPatient"):
                return True
    return False


CONDITIONS: dict[str, Condition] = {
    "DeidentificationMethod": deid_method,
    "DeidentificationMethodCodeSequence": deid_codes,
    "ReferencedStructureSetSequence": patient_geometry,
    "PatientOrientation": patient_orientation,
    "PlanarConfiguration": samples_over_one,
    "RedPaletteColorLookupTableDescriptor": palette,
    "GreenPaletteColorLookupTableDescriptor": palette,
    "BluePaletteColorLookupTableDescriptor": palette,
    "RedPaletteColorLookupTableData": palette,
    "GreenPaletteColorLookupTableData": palette,
    "BluePaletteColorLookupTableData": palette,
    "PixelData": pixel_data,
    "FrameIncrementPointer": multi_frame,
    "LossyImageCompressionRatio": lossy,
    "LossyImageCompressionMethod": lossy,
    "Laterality": laterality,
    "PatientPosition": patient_position,
    "ContinuityOfContent": container,
    "VerifyingObserverSequence": verified,
    "WindowCenter": window_center,
    "WindowWidth": window_width,
}


def condition_for(keyword: str) -> Condition | None:
    return CONDITIONS.get(keyword)
