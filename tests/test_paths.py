import pytest
from pydicom import Dataset, dcmread
from pydicom.sequence import Sequence

from dicomhelp import paths
from dicomhelp.errors import UsageError
from dicomhelp.io import sample_file


def sr_like() -> Dataset:
    ds = Dataset()
    item = Dataset()
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "121049", "DCM", "Language"
    item.ConceptNameCodeSequence = Sequence([code])
    other = Dataset()
    other.ConceptNameCodeSequence = Sequence([Dataset()])
    other.ConceptNameCodeSequence[0].CodeMeaning = "Second"
    ds.ContentSequence = Sequence([item, other])
    return ds


def test_keyword_path_resolves_nested_value():
    ds = sr_like()
    (m,) = paths.resolve(ds, "ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning")
    assert m.element.value == "Language"
    assert m.path == "ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning"


def test_wildcard_yields_every_item_with_concrete_path():
    got = [(m.path, m.element.value) for m in paths.resolve(sr_like(), "ContentSequence[*].ConceptNameCodeSequence[0].CodeMeaning")]
    assert got == [
        ("ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning", "Language"),
        ("ContentSequence[1].ConceptNameCodeSequence[0].CodeMeaning", "Second"),
    ]


@pytest.mark.parametrize("spelling", ["(0008,0104)", "(0008, 0104)", "00080104", "0008,0104", "CodeMeaning"])
def test_tag_spellings_are_equivalent(spelling):
    (step,) = paths.parse(spelling)
    assert step.tag == 0x00080104


def test_unknown_keyword_suggests_close_match():
    with pytest.raises(UsageError) as exc:
        paths.parse("PatientNme")
    assert "PatientName" in exc.value.one_line()


def test_private_element_named_by_creator_round_trips():
    ds = dcmread(sample_file("priv_SQ.dcm"), force=True)
    found = [(p, e) for p, e in paths.walk(ds) if '"' in p]
    assert found, "priv_SQ.dcm has private elements with a creator"
    path, elem = found[0]
    (m,) = paths.resolve(ds, path)
    assert m.tag == int(elem.tag)


def test_walk_paths_resolve_to_the_same_element():
    ds = dcmread(sample_file("rtplan.dcm"))
    for path, elem in paths.walk(ds):
        matches = list(paths.resolve(ds, path))
        assert [m.tag for m in matches] == [int(elem.tag)], path


def test_create_adds_missing_items():
    ds = Dataset()
    (m,) = paths.resolve(ds, "ReferencedSeriesSequence[0].SeriesInstanceUID", create=True)
    m.parent.SeriesInstanceUID = "1.2.3"
    assert ds.ReferencedSeriesSequence[0].SeriesInstanceUID == "1.2.3"
