"""The specs the SR tests build: one per primitive and the combinations."""

from __future__ import annotations

from typing import Any

DEVICE = {"name": "LungAI", "manufacturer": "ACME Imaging", "model": "LA-1", "uid": "2.25.1234567890",
          "serial_number": "SN-1"}


def qualitative_only() -> dict[str, Any]:
    return {
        "observer": {"person": {"name": "Doe^Jane", "organization": "General Hospital"}},
        "groups": [{
            "tracking_id": "impression", "images": [1, 2],
            "qualitative": [{"concept": "DCM: Finding", "value": "SCT: Nodule"},
                            {"concept": ["C0034375", "UMLS", "Qualitative Evaluations"], "text": "no change"}],
        }],
    }


def measurements_only() -> dict[str, Any]:
    return {
        "observer": {"person": {"name": "Doe^Jane"}},
        "groups": [{
            "tracking_id": "liver", "images": ["CT0003.dcm"],
            "finding_sites": ["SCT: Liver"],
            "measurements": [
                {"concept": "SCT: Diameter", "value": 12.5, "unit": "mm", "derivation": "SCT: Maximum",
                 "method": "SCT: Measurement method", "finding_sites": [{"site": "SCT: Kidney", "laterality": "SCT: Left"}]},
                {"concept": "SCT: Volume", "value": 30, "unit": "cm3"},
                {"concept": "SCT: Mean", "value": 42, "unit": "[hnsf'U]"} ,
            ],
        }],
    }


def planar(kind: str) -> dict[str, Any]:
    points = {"POINT": [[64, 64]], "POLYLINE": [[50, 50], [80, 50], [80, 80], [50, 80]],
              "CIRCLE": [[64, 64], [70, 64]], "ELLIPSE": [[54, 64], [74, 64], [64, 58], [64, 70]]}[kind]
    return {
        "observer": {"device": dict(DEVICE)},
        "groups": [{"tracking_id": f"{kind.lower()} roi", "finding": "SCT: Nodule",
                    "region": {"type": kind, "image": 2, "points": points},
                    "measurements": [{"concept": "SCT: Area", "value": 100, "unit": "mm2"}]}],
    }


def volumetric_3d(uids: list[str]) -> dict[str, Any]:
    return {
        "observer": {"device": dict(DEVICE)},
        "groups": [{
            "tracking_id": "nodule volume", "tracking_uid": "2.25.77",
            "time_point": {"time_point": "baseline", "order": 1},
            "region3d": {"type": "POLYGON", "images": uids[:2], "contours": [
                [[-100.0, -100.0, -75.7], [-90.0, -100.0, -75.7], [-90.0, -90.0, -75.7]],
                [[-100.0, -100.0, -70.7], [-90.0, -100.0, -70.7], [-90.0, -90.0, -70.7]]]},
            "measurements": [{"concept": "SCT: Volume", "value": 500, "unit": "mm3"}],
        }],
    }


def device_with_algorithm() -> dict[str, Any]:
    return {
        "observer": {"device": dict(DEVICE)},
        "groups": [{
            "tracking_id": "ai finding", "algorithm": {"name": "LungAI", "version": "2.1", "parameters": ["thr=0.5"]},
            "region": {"type": "CIRCLE", "image": 1, "points": [[64, 64], [68, 64]]},
            "qualitative": [{"concept": "DCM: Finding", "value": "SCT: Nodule"}],
            "measurements": [{"concept": "SCT: Diameter", "value": 8, "unit": "mm",
                              "algorithm": {"name": "LungAI", "version": "2.1"}}],
        }],
    }


def mixed(uids: list[str]) -> dict[str, Any]:
    """Every primitive and document option, images by UID and tracking UIDs given: round-trips exactly."""
    return {
        "document": {
            "title_modifiers": [["CHESTCT0304", "99SHSAIRC", "AI-Rad CT Cardio"]],
            "coding_schemes": {"99SHSAIRC": "AI-Rad codes"},
            "language": {"value": "eng", "scheme": "RFC5646", "meaning": "English",
                         "country": ["US", "ISO3166_1", "United States"]},
            "procedure_reported": ["LN: CTUnspecifiedBodyRegion"],
            "verification": "VERIFIED", "verifying_observer": {"name": "Doe^Jane", "organization": "General Hospital"},
            "completion": "COMPLETE", "preliminary": "FINAL",
            "predecessors": [{"study_uid": "2.25.10", "series_uid": "2.25.11", "sop_instance_uid": "2.25.12"}],
            "series_number": 77, "series_description": "AI results",
        },
        "observer": {"person": {"name": "Doe^Jane"}, "device": dict(DEVICE)},
        "groups": [
            {"tracking_id": "image level", "tracking_uid": "2.25.101", "images": uids[:1],
             "finding": "SCT: Nodule", "finding_category": "SCT: Morphologically abnormal structure",
             "session": "session 1",
             "qualitative": [{"concept": "DCM: Finding", "value": "SCT: Nodule"},
                             {"concept": ["C0034375", "UMLS", "Qualitative Evaluations"], "text": "stable"}]},
            {"tracking_id": "planar", "tracking_uid": "2.25.102", "finding": "SCT: Nodule",
             "finding_sites": [{"site": "SCT: Lung", "laterality": "SCT: Right"}],
             "algorithm": {"name": "LungAI", "version": "2.1", "parameters": ["thr=0.5"]},
             "region": {"type": "POLYLINE", "image": uids[1], "points": [[50.5, 50], [80, 50], [80, 80.25]]},
             "measurements": [{"concept": "SCT: Area", "value": 225.5, "unit": "mm2", "derivation": "SCT: Mean",
                               "images": [uids[1]]},
                              {"concept": "SCT: Diameter", "value": 12.0, "unit": "mm",
                               "method": "SCT: Measurement method"}]},
            {"tracking_id": "volumetric", "tracking_uid": "2.25.103",
             "time_point": {"time_point": "baseline", "order": 1, "subject_time_point_id": "T0"},
             "regions": [{"type": "CIRCLE", "image": uids[1], "points": [[60, 60], [66, 60]]},
                         {"type": "ELLIPSE", "image": uids[2], "points": [[50, 60], [70, 60], [60, 55], [60, 65]]}],
             "measurements": [{"concept": "SCT: Volume", "value": 500, "unit": "mm3"}]},
        ],
    }


def seed_like() -> dict[str, Any]:
    """The seed sample's document: title modifier AI-Rad CT Cardio, language eng/RFC5646, template 1500."""
    return {
        "document": {
            "title_modifiers": [["CHESTCT0304", "99SHSAIRC", "AI-Rad CT Cardio"]],
            "language": {"value": "eng", "scheme": "RFC5646", "meaning": "English",
                         "country": ["US", "ISO3166_1", "United States"]},
        },
        "observer": {"device": dict(DEVICE)},
        "groups": [{"tracking_id": "calcium", "images": [1],
                    "measurements": [{"concept": ["112058", "DCM", "Calcium score"], "value": 12, "unit": "1"}]}],
    }
