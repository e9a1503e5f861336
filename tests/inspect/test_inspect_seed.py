"""The dump reproduces the seed's sample lines exactly (tests/data/seed_sample.txt)."""

from pathlib import Path

from pydicom import Dataset
from pydicom.sequence import Sequence

from dicomhelp.inspect import dump_lines

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "seed_sample.txt"


def code(value: str, scheme: str, meaning: str) -> Dataset:
    ds = Dataset()
    ds.CodeValue = value
    ds.CodingSchemeDesignator = scheme
    ds.CodeMeaning = meaning
    return ds


def code_item(relationship: str, name: Dataset, value: Dataset, children: list[Dataset] | None = None) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = "CODE"
    item.ConceptNameCodeSequence = Sequence([name])
    item.ConceptCodeSequence = Sequence([value])
    if children is not None:
        item.ContentSequence = Sequence(children)
    return item


def seed_dataset() -> Dataset:
    """The elements the seed's sample shows, rebuilt (the rest of its tree filled in)."""
    ds = Dataset()
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.PreliminaryFlag = "FINAL"
    template = Dataset()
    template.MappingResource = "DCMR"
    template.MappingResourceUID = "1.2.840.10008.8.1.1"
    template.TemplateIdentifier = "1500"
    ds.ContentTemplateSequence = Sequence([template])
    language_country = code_item("HAS CONCEPT MOD", code("121046", "DCM", "Country of Language"),
                                 code("US", "ISO3166_1", "United States"))
    items = [
        code_item("HAS CONCEPT MOD", code("113011", "DCM", "Document Title Modifier"),
                  code("CHESTCT0304", "99SHSAIRC", "AI-Rad CT Cardio")),
        code_item("HAS CONCEPT MOD", code("121049", "DCM", "Language of Content Item and Descendants"),
                  code("eng", "RFC5646", "English"), [language_country]),
    ]
    for n in range(3):
        items.append(code_item("HAS OBS CONTEXT", code("121005", "DCM", "Observer Type"),
                               code("121007", "DCM", f"Device {n}")))
    ds.ContentSequence = Sequence(items)
    return ds


def test_dump_reproduces_the_seed_sample_exactly():
    expected = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert len(expected) > 20 and expected[0].startswith("CS (0040, a491) CompletionFlag")
    lines = dump_lines(seed_dataset())
    assert lines[: len(expected)] == expected
    # The nested ContentSequence continues the numbering the seed starts.
    assert lines[len(expected)] == "1.2.1 -----------    1"
    assert "1.5 -----------    5" in lines


def test_file_round_trip_gives_the_same_lines(tmp_path):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    from dicomhelp.io import read_file

    ds = seed_dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path = tmp_path / "seed.dcm"
    ds.save_as(path, enforce_file_format=False)
    expected = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines = dump_lines(read_file(path), meta=False)
    assert lines[: len(expected)] == expected
