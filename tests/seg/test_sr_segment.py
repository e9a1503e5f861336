"""An SR measurement group on a SEG segment: TID 1411 with Referenced Segment, judged by the SR validators."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from dicomhelp.create.seg import create_seg
from dicomhelp.create.sr import create_sr
from dicomhelp.errors import SpecError
from dicomhelp.uids import UIDPolicy
from support import dciodvfy, dsrdump, pixelmed_sr

SEG_SPEC = {"segments": [{"label": "Nodule", "category": "SCT: MorphologicallyAbnormalStructure", "type": "SCT: Nodule"},
                         {"label": "Lung", "category": "SCT: Tissue", "type": "SCT: Lung"}]}


def sr_spec(number: int = 1, seg: str = "SEG.dcm") -> dict:
    return {"observer": {"device": {"name": "LungAI", "manufacturer": "ACME"}},
            "groups": [{"tracking_id": "nodule 1", "finding": "SCT: Nodule", "segment": {"seg": seg, "number": number},
                        "measurements": [{"concept": "SCT: Volume", "value": 800, "unit": "mm3"}]}]}


@pytest.fixture(scope="module")
def with_seg(study: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sr-seg")
    for p in study.glob("*.dcm"):
        shutil.copy(p, folder)
    masks = [np.zeros((4, 128, 128), bool) for _ in range(2)]
    masks[0][1:3, 40:60, 50:70] = True
    masks[1][0:4, 80:120, 10:120] = True
    create_seg(SEG_SPEC, folder, folder / "SEG.dcm", masks=masks, uid_policy=UIDPolicy(seed="sr-seg"))
    return folder


def test_group_references_the_segment(with_seg: Path, tmp_path: Path) -> None:
    out = tmp_path / "sr.dcm"
    create_sr(sr_spec(2), [with_seg], out, uid_policy=UIDPolicy(seed="sr-seg"))
    # PixelMed checks the group against TID 1411 with no quirk for a Referenced Segment: nothing is allowed.
    for verdict in (dciodvfy(out), dsrdump(out), pixelmed_sr(out, allowed=[])):
        assert verdict.ok, verdict
    seg = dcmread(with_seg / "SEG.dcm")
    text = str(dcmread(out))
    assert "Referenced Segment" in text and str(seg.SOPInstanceUID) in text
    ds = dcmread(out)
    evidence = {str(r.ReferencedSOPInstanceUID) for s in ds.CurrentRequestedProcedureEvidenceSequence
                for series in s.ReferencedSeriesSequence for r in series.ReferencedSOPSequence}
    assert str(seg.SOPInstanceUID) in evidence


def test_missing_segment_names_the_spec_path(with_seg: Path, tmp_path: Path) -> None:
    out = tmp_path / "sr.dcm"
    with pytest.raises(SpecError) as caught:
        create_sr(sr_spec(3), [with_seg], out)
    assert "groups[0].segment.number" in str(caught.value) and "1, 2" in str(caught.value)
    with pytest.raises(SpecError) as caught:
        create_sr(sr_spec(1, seg="CT0001.dcm"), [with_seg], out)
    assert "groups[0].segment.seg" in str(caught.value)
    assert not out.exists()
