"""KOS creation: TID 2010 judged by dciodvfy, dsrdump and PixelMed's SR validator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.create.kos import KOS_SOP_CLASS, create_kos, kos_schema
from dicomhelp.create.seg import create_seg
from dicomhelp.errors import SpecError
from dicomhelp.samples import make_sample_study
from dicomhelp.uids import UIDPolicy
from support import dciodvfy, dcmdump, dsrdump, pixelmed_sr


@pytest.fixture(scope="module")
def result_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample CT series and a SEG of it, in one folder."""
    folder = tmp_path_factory.mktemp("kos-set")
    make_sample_study(folder, uid_policy=UIDPolicy(seed="kos-tests"))
    mask = np.zeros((4, 128, 128), bool)
    mask[1:3, 40:60, 50:70] = True
    spec = {"segments": [{"label": "Nodule", "category": "SCT: MorphologicallyAbnormalStructure",
                          "type": "SCT: Nodule"}]}
    create_seg(spec, folder, folder / "SEG.dcm", masks=[mask], uid_policy=UIDPolicy(seed="kos-tests"))
    return folder


SPEC = {"title": "DCM: 113000", "description": "Nodule on slices 2-3", "images": [2, 3], "objects": ["SEG.dcm"],
        "device": {"name": "LungAI", "manufacturer": "ACME", "model": "LN-1"}}


def test_kos_passes_the_validators(result_set: Path, tmp_path: Path) -> None:
    out = create_kos(SPEC, result_set, tmp_path / "kos.dcm", uid_policy=UIDPolicy(seed="kos"))
    for verdict in (dciodvfy(out), dcmdump(out), dsrdump(out), pixelmed_sr(out, allowed=[])):
        assert verdict.ok, verdict
    ds = dcmread(out)
    assert ds.SOPClassUID == KOS_SOP_CLASS and ds.Modality == "KO"
    assert ds.ConceptNameCodeSequence[0].CodeMeaning == "Of Interest"
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "2010"
    observer = {str(i.ConceptNameCodeSequence[0].CodeMeaning): i for i in ds.ContentSequence
                if i.RelationshipType == "HAS OBS CONTEXT"}
    assert observer["Observer Type"].ConceptCodeSequence[0].CodeMeaning == "Device"
    assert observer["Device Observer Name"].TextValue == "LungAI"
    selected = [i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for i in ds.ContentSequence
                if i.RelationshipType == "CONTAINS" and "ReferencedSOPSequence" in i]
    wanted = {str(dcmread(p).SOPInstanceUID) for p in (result_set / "CT0002.dcm", result_set / "CT0003.dcm",
                                                        result_set / "SEG.dcm")}
    assert set(selected) == wanted and len(selected) == 3
    evidence = {str(r.ReferencedSOPInstanceUID) for s in ds.CurrentRequestedProcedureEvidenceSequence
                for series in s.ReferencedSeriesSequence for r in series.ReferencedSOPSequence}
    assert evidence == wanted


def test_bad_references_name_the_spec_path(result_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "kos.dcm"
    for change, where in (({"images": [9]}, "images[0]"), ({"objects": ["nothere.dcm"]}, "objects[0]"),
                          ({"title": "DCM: 121071"}, "title"), ({"images": [], "objects": []}, "images")):
        with pytest.raises(SpecError) as caught:
            create_kos({**SPEC, **change}, result_set, out)
        assert where in str(caught.value) and "\n" not in str(caught.value)
        assert not out.exists()


def test_schema() -> None:
    assert "title" in kos_schema()["properties"]
