import json
from importlib.resources import files

from pydicom import dcmread

from dicomhelp.create import base
from dicomhelp.create.base import Builder, Study
from dicomhelp.io import sample_file, write_atomic
from dicomhelp.uids import UIDPolicy
from support import dcmdump


def test_module_lists_match_highdicom_tables():
    table = json.loads(files("highdicom").joinpath("_standard/module_attribute_map.json").read_text())
    for module, ours in [("patient", base.PATIENT_MODULE), ("general-study", base.GENERAL_STUDY_MODULE),
                         ("patient-study", base.PATIENT_STUDY_MODULE),
                         ("clinical-trial-subject", base.CLINICAL_TRIAL_SUBJECT_MODULE),
                         ("clinical-trial-study", base.CLINICAL_TRIAL_STUDY_MODULE)]:
        assert tuple(a["keyword"] for a in table[module] if not a["path"]) == ours, module


def test_derived_object_copies_patient_and_study_and_gets_new_series():
    src = dcmread(sample_file("CT_small.dcm"))
    b = Builder(Study.from_source(src))
    series = b.series("sc", modality="OT", number=901, description="results")
    ds = b.new_dataset("1.2.840.10008.5.1.4.1.1.7", series)
    for kw in ("PatientName", "PatientID", "StudyInstanceUID", "StudyDate", "AccessionNumber", "StudyID"):
        assert ds.get(kw) == src.get(kw), kw
    assert ds.SeriesInstanceUID != src.SeriesInstanceUID and ds.SOPInstanceUID.startswith("2.25.")
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.SpecificCharacterSet == "ISO_IR 192"


def test_deterministic_policy_repeats_uids():
    src = dcmread(sample_file("CT_small.dcm"))
    uids = []
    for _ in range(2):
        b = Builder(Study.from_source(src), uid_policy=UIDPolicy(seed="s"))
        s = b.series("sc", modality="OT", number=1, description="")
        uids.append((s.uid, b.instance_uid(s, 1)))
    assert uids[0] == uids[1]


def test_from_scratch_defaults_are_complete(tmp_path):
    b = Builder(Study.new())
    s = b.series("doc", modality="DOC", number=1, description="")
    ds = b.new_dataset("1.2.840.10008.5.1.4.1.1.104.1", s)
    for kw in base.TYPE2_PATIENT_STUDY:
        assert kw in ds, kw
    out = write_atomic(ds, tmp_path / "x.dcm")
    assert dcmdump(out).ok
