"""The edit model: selectors, actions, values checked for VR and VM, character sets."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from dicomhelp.edit.model import Action, Edit, UIDMapper, apply_edits, load_edits, parse_assignment
from dicomhelp.edit.values import parse_value
from dicomhelp.errors import UsageError
from dicomhelp.io import sample_file
from dicomhelp.uids import UIDPolicy


def ct() -> pydicom.Dataset:
    return pydicom.dcmread(sample_file("CT_small.dcm"))


@pytest.mark.parametrize("vr, text, expected", [
    ("DA", "2024-02-29", "20240229"),
    ("DA", "20240301", "20240301"),
    ("TM", "14:30:05", "143005"),
    ("TM", "143005.25", "143005.25"),
    ("PN", "Yamada^Tarou=山田^太郎=やまだ^たろう", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
    ("CS", "ORIGINAL\\PRIMARY", ["ORIGINAL", "PRIMARY"]),
    ("DS", "0.5\\0.5", ["0.5", "0.5"]),
    ("US", "512", 512),
    ("FD", "1.5", 1.5),
    ("AT", "(0010,0010)", 0x00100010),
    ("AT", "PatientName", 0x00100010),
    ("LT", "a\\b", "a\\b"),  # LT is one value: the backslash is text
])
def test_values_are_parsed_for_the_vr(vr: str, text: str, expected: object) -> None:
    assert parse_value(text, vr, path="X") == expected


@pytest.mark.parametrize("vr, text, message", [
    ("DA", "2023-02-29", "not a calendar date"),
    ("DA", "01/02/2024", "not a date"),
    ("TM", "25:00", "not a time"),
    ("PN", "a^b^c^d^e^f", "more than 5 components"),
    ("PN", "a=b=c=d", "at most 3 component groups"),
    ("CS", "male", r"'male' is not a valid CS \(Code String: upper-case letters, digits 0-9, space and underscore; "
                   r"at most 16 characters\), e.g. ORIGINAL"),
    ("IS", "1.5", "'1.5' is not a valid IS"),
    ("US", "70000", "outside 0..65535"),
    ("US", "ten", "not an integer"),
    ("LO", "x" * 65, "exceeds the maximum length of 64"),
    ("UI", "1.2.03", "'1.2.03' is not a valid UI"),
    ("OB", "abc", "binary data"),
    ("SQ", "nonsense", "a sequence takes a code"),
])
def test_invalid_values_are_one_clear_error(vr: str, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_value(text, vr, path="Some.Path")
    assert info.value.one_line().startswith("Some.Path: ")


def test_vm_is_checked_and_nothing_changes_on_error() -> None:
    ds = ct()
    before = ds.PatientName
    with pytest.raises(UsageError, match="VM 2"):
        apply_edits(ds, [Edit.set("PatientName", "Changed^Name"), Edit.set("PixelSpacing", "0.5")])
    assert ds.PatientName == before, "an invalid edit must leave the dataset as it was"
    apply_edits(ds, [Edit.set("PixelSpacing", "0.5\\0.5")])
    assert ds.PixelSpacing == [0.5, 0.5]


def test_unknown_keyword_is_refused_when_the_edit_is_made() -> None:
    with pytest.raises(UsageError, match="did you mean PatientName"):
        Edit.set("PatientNme", "x")
    with pytest.raises(UsageError, match="no value"):
        Edit(Action.SET, "PatientName")


def test_paths_private_by_creator_wildcards_and_insert() -> None:
    ds = ct()
    done = apply_edits(ds, [
        Edit.set('(0009,"GEMS_IDEN_01",01)', "CHANGED"),
        Edit.delete('(0043,"GEMS_PARM_01",10)'),
        Edit.set("OtherPatientIDsSequence[*].IssuerOfPatientID", "HOSPITAL"),
        Edit.insert("ReferencedStudySequence[0].ReferencedSOPClassUID", "1.2.840.10008.3.1.2.3.1"),
        Edit.set('(0099,"MY CREATOR",10)', "private text", vr="LO"),
        Edit.empty("InstitutionName"),
        Edit.set("AnatomicRegionSequence", '(T-D3000,SRT,"Chest")'),
    ])
    block = ds.private_block(0x0009, "GEMS_IDEN_01")
    assert block[0x01].value == "CHANGED"
    assert 0x0010 not in ds.private_block(0x0043, "GEMS_PARM_01")
    assert [i.IssuerOfPatientID for i in ds.OtherPatientIDsSequence] == ["HOSPITAL", "HOSPITAL"]
    assert ds.ReferencedStudySequence[0].ReferencedSOPClassUID == "1.2.840.10008.3.1.2.3.1"
    assert ds.private_block(0x0099, "MY CREATOR")[0x10].value == "private text"
    assert ds.InstitutionName in ("", None) and "InstitutionName" in ds
    assert ds.AnatomicRegionSequence[0].CodeMeaning == "Chest"
    assert [d.path for d in done if d.action == "changed"][:1] == ['(0009,"GEMS_IDEN_01",01)']
    with pytest.raises(UsageError, match="already exists"):
        apply_edits(ds, [Edit.insert("PatientName", "x")])


def test_replace_uid_is_consistent_and_keeps_file_meta_in_step() -> None:
    a, b = ct(), ct()
    policy = UIDPolicy(seed="s")
    mapper = UIDMapper(policy)
    apply_edits(a, [Edit.replace_uid("SOPInstanceUID"), Edit.replace_uid("StudyInstanceUID")], uids=mapper)
    apply_edits(b, [Edit.replace_uid("StudyInstanceUID")], uids=UIDMapper(policy))
    assert a.StudyInstanceUID == b.StudyInstanceUID != ct().StudyInstanceUID
    assert a.file_meta.MediaStorageSOPInstanceUID == a.SOPInstanceUID != ct().SOPInstanceUID
    assert mapper.mapping[ct().SOPInstanceUID] == a.SOPInstanceUID


def test_non_ascii_switches_to_utf8_and_reencodes_existing_text(tmp_path: Path) -> None:
    from dicomhelp.edit.files import edit_file

    import pydicom.data

    src = Path(pydicom.data.__file__).parent / "charset_files" / "chrFren.dcm"  # ISO_IR 100, accented name
    original = pydicom.dcmread(src)
    assert original.SpecificCharacterSet == "ISO_IR 100"
    edit_file(src, tmp_path / "latin.dcm", [Edit.set("InstitutionName", "Hôpital Général")])
    assert pydicom.dcmread(tmp_path / "latin.dcm").SpecificCharacterSet == "ISO_IR 100", "Latin-1 fits: no switch"
    edit_file(src, tmp_path / "utf8.dcm", [Edit.set("InstitutionName", "山田病院")])
    edited = pydicom.dcmread(tmp_path / "utf8.dcm")
    assert edited.SpecificCharacterSet == "ISO_IR 192"
    assert str(edited.PatientName) == str(original.PatientName)  # the old text, correctly re-encoded
    assert edited.InstitutionName == "山田病院"
    raw = (tmp_path / "utf8.dcm").read_bytes()
    assert str(original.PatientName).encode("utf-8") in raw
    assert "山田病院".encode() in raw


def test_assignments_and_yaml_edits(tmp_path: Path) -> None:
    e = parse_assignment('(0029,"A=B CREATOR",10):LO=x=y', Action.SET)
    assert (e.path, e.vr, e.value) == ('(0029,"A=B CREATOR",10)', "LO", "x=y")
    assert parse_assignment("PatientName=Doe^Jane", Action.SET) == Edit.set("PatientName", "Doe^Jane")
    with pytest.raises(UsageError, match="PATH=VALUE"):
        parse_assignment("PatientName", Action.SET)
    good = tmp_path / "edits.yaml"
    good.write_text("edits:\n  - set: PatientName\n    value: Doe^Jane\n  - delete: PatientBirthDate\n"
                    "  - insert: OtherPatientIDsSequence[2].PatientID\n    value: X1\n  - keep: PatientAge\n"
                    "  - set: ImageType\n    value: [DERIVED, SECONDARY]\n", encoding="utf-8")
    edits = load_edits(good)
    assert [e.action for e in edits] == [Action.SET, Action.DELETE, Action.INSERT, Action.KEEP, Action.SET]
    ds = ct()
    apply_edits(ds, edits)
    assert ds.PatientName == "Doe^Jane" and "PatientBirthDate" not in ds and ds.ImageType == ["DERIVED", "SECONDARY"]
    for text, message in [("- sett: PatientName\n", "exactly one action"), ("- set: X\n  delete: Y\n", "exactly one"),
                          ("- set: PatientName\n  valu: 1\n", "unknown key"), ("a: [\n", "not valid YAML"),
                          ("- set: PatientNme\n  value: 1\n", "edits\\[0\\].*unknown keyword")]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            load_edits(bad)


@pytest.mark.parametrize("name", ["chrSQEncoding1.dcm", "chrH31.dcm", "chrI2.dcm", "chrRuss.dcm", "chrGreek.dcm",
                                  "chrArab.dcm", "chrX1.dcm"])
def test_switching_to_utf8_keeps_every_text_of_every_character_set(name: str, tmp_path: Path) -> None:
    """ISO 2022 escapes, single-byte sets, nested items: all text reads the same after the switch."""
    import pydicom.data

    from dicomhelp.edit.diff import diff_datasets
    from dicomhelp.edit.files import edit_file

    src = Path(pydicom.data.__file__).parent / "charset_files" / name
    edit_file(src, tmp_path / "out.dcm", [Edit.set("InstitutionName", "Zürich 病院 Ωμέγα")])
    before, after = pydicom.dcmread(src), pydicom.dcmread(tmp_path / "out.dcm")
    assert after.SpecificCharacterSet == "ISO_IR 192" and after.InstitutionName == "Zürich 病院 Ωμέγα"
    changed = {d.path for d in diff_datasets(before, after, meta=False)}
    assert changed <= {"SpecificCharacterSet", "InstitutionName"}, changed


def test_a_path_that_leads_nowhere_is_an_error() -> None:
    ds = ct()
    with pytest.raises(UsageError, match="leads nowhere"):
        apply_edits(ds, [Edit.set("OtherPatientIDsSequence[5].PatientID", "X")])  # 2 items: [2] is next
    with pytest.raises(UsageError, match="leads nowhere"):
        apply_edits(ds, [Edit.set("PatientName.PatientID", "X")])  # PatientName is not a sequence
    assert apply_edits(ds, [Edit.delete("OtherPatientIDsSequence[5].PatientID")]) == []  # nothing to delete


def test_one_uid_mapping_per_call_without_a_mapper() -> None:
    ds = ct()
    ds.ReferencedStudySequence = [pydicom.Dataset()]
    ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID = ds.StudyInstanceUID
    apply_edits(ds, [Edit.replace_uid("StudyInstanceUID"),
                     Edit.replace_uid("ReferencedStudySequence[*].ReferencedSOPInstanceUID")])
    assert ds.ReferencedStudySequence[0].ReferencedSOPInstanceUID == ds.StudyInstanceUID != ct().StudyInstanceUID


@pytest.mark.parametrize("path", ["OtherPatientIDsSequence[0]", "OtherPatientIDsSequence[*]"])
def test_a_path_ending_at_an_item_is_refused_not_silently_ignored(path: str) -> None:
    # `dump --paths` prints item lines; an edit on one would otherwise match nothing.
    for make in (Edit.delete, Edit.empty, lambda p: Edit.set(p, "x")):
        with pytest.raises(UsageError, match="a path must end at an element, not at an item"):
            make(path)


def test_edits_files_that_are_not_yaml_text_or_give_a_mapping_value(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        load_edits(tmp_path)
    binary = tmp_path / "ct.dcm"
    binary.write_bytes(sample_file("CT_small.dcm").read_bytes())
    with pytest.raises(UsageError, match="is not a text file"):
        load_edits(binary)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("- set: PatientName\n  value: {a: 1}\n")
    ds = pydicom.dcmread(sample_file("CT_small.dcm"))
    with pytest.raises(UsageError, match="PatientName: a PN value is text, a number or a list of them, not a mapping"):
        apply_edits(ds, load_edits(mapping))
    items = tmp_path / "items.yaml"  # a mapping is right for a sequence
    items.write_text("- set: OtherPatientIDsSequence\n  value: {PatientID: X1}\n")
    apply_edits(ds, load_edits(items))
    assert [i.PatientID for i in ds.OtherPatientIDsSequence] == ["X1"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Edit.set("TransferSyntaxUID", "1.2.840.10008.1.2"), "file meta information \\(group 0002\\)"),
    (lambda: Edit.delete("(0002,0013)"), "file meta information \\(group 0002\\)"),
    (lambda: Edit.set("(FFFE,E000)", "1"), "item and delimiter tags"),
    (lambda: Edit.set('(0029,"ME",10)', "x", vr="ZZ"), "'ZZ' is not a value representation"),
])
def test_what_cannot_be_written_back_is_refused_when_the_edit_is_made(make, message: str) -> None:
    # Before: accepted by --dry-run, then an internal error or "cannot be written back" on writing.
    with pytest.raises(UsageError, match=message):
        make()
