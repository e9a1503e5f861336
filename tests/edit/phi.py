"""Test helpers for de-identification: PHI markers planted everywhere, SR and GSPS made with highdicom.

Every marker is distinct (``MKQ000001Z`` ...), upper-case and short enough for
CS, AE and SH, so one byte search of the output finds any that survived.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from pydicom import Dataset
from pydicom.datadict import dictionary_VR, dictionary_VM
from pydicom.sequence import Sequence

from dicomhelp.standard.ps315 import load_table

TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UT"}
_counter = itertools.count(1)


def marker() -> str:
    return f"MKQ{next(_counter):06d}Z"


def listed_text_tags() -> list[int]:
    """Public, non-repeating attributes of Table E.1-1 whose VR is text."""
    tags = []
    for tag in load_table().exact:
        try:
            vr = dictionary_VR(tag)
        except KeyError:
            continue
        if vr in TEXT_VRS and (tag >> 16) not in (0x0000, 0x0002, 0x0004) and tag & 0xFFFF:
            tags.append(tag)
    return sorted(tags)


def listed_sequence_tags() -> list[int]:
    out = []
    for tag in load_table().exact:
        try:
            if dictionary_VR(tag) == "SQ":
                out.append(tag)
        except KeyError:
            continue
    return sorted(out)


def _marked_item(*, full: bool) -> Dataset:
    """An item with markers: in every listed text attribute (``full``) or in a few typical ones."""
    item = Dataset()
    tags = listed_text_tags() if full else [0x00100010, 0x00080080, 0x00081030, 0x0040A123, 0x00204000]
    for tag in tags:
        item.add_new(tag, dictionary_VR(tag), marker())
    item.add_new(0x0040A160, "UT", marker())  # TextValue: not in E.1-1, but free text in a cleaned item
    nested = Dataset()
    nested.PatientName = marker()
    nested.InstitutionName = marker()
    item.AnatomicRegionSequence = Sequence([nested])  # a sequence the table does not list
    return item


def plant_markers(ds: Dataset) -> int:
    """Put a distinct marker in every listed text attribute, at the top, in sequences and in private blocks.

    Existing values are replaced so the object keeps its structure; returns how
    many markers were planted.
    """
    start = next(_counter)
    for tag in listed_text_tags():
        vr = dictionary_VR(tag)
        vm = dictionary_VM(tag)
        value = marker()
        ds.add_new(tag, vr, [value, marker()] if vm.startswith("2") else value)
    # Every listed sequence gets an item full of markers (existing items too).
    for tag in listed_sequence_tags():
        if tag in ds and ds[tag].value:
            for old in ds[tag].value:
                old.PatientName = marker()
                old.add_new(0x00081030, "LO", marker())  # Study Description inside a kept item
        else:
            ds.add_new(tag, "SQ", Sequence([_marked_item(full=False)]))
    # A sequence the table does not list, with listed attributes inside.
    ds.AnatomicRegionSequence = Sequence([_marked_item(full=True)])
    # A private block: a text element and a private sequence with markers inside.
    block = ds.private_block(0x0099, "DICOMHELP TEST", create=True)
    block.add_new(0x01, "LO", marker())
    block.add_new(0x02, "SQ", Sequence([_marked_item(full=False)]))
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        meta.SourceApplicationEntityTitle = marker()
    return next(_counter) - start - 1


def markers_in(path: Path) -> list[str]:
    """Every marker in the file's bytes (pixel data could hold 'MKQ' by chance, not 'MKQ123456Z').

    A deflated file is searched after inflating its data set, as a reader would.
    """
    import re
    import struct
    import zlib

    data = Path(path).read_bytes()
    if data[128:132] == b"DICM" and b"1.2.840.10008.1.2.1.99" in data[:1024] and data[132:136] == b"\x02\x00\x00\x00":
        start = 132 + 12 + struct.unpack("<L", data[140:144])[0]
        data = data[:start] + zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[start:])
    return [m.decode("ascii") for m in re.findall(rb"MKQ[0-9]{6}Z", data)]


def make_sr(images: list[Dataset], out: Path, *, text: str, person: str) -> Dataset:
    """A Comprehensive SR with TEXT, PNAME, DATE and IMAGE items referencing ``images``."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    ref = images[0]
    items = [
        hd.sr.TextContentItem(name=codes.DCM.Finding, value=text, relationship_type="CONTAINS"),
        hd.sr.PnameContentItem(name=codes.DCM.PersonObserverName, value=person, relationship_type="HAS OBS CONTEXT"),
        hd.sr.DateContentItem(name=hd.sr.CodedConcept("111060", "DCM", "Study Date"),
                              value=__import__("datetime").date(2021, 5, 17), relationship_type="CONTAINS"),
        hd.sr.ImageContentItem(name=hd.sr.CodedConcept("121112", "DCM", "Source of Measurement"),
                               referenced_sop_class_uid=ref.SOPClassUID,
                               referenced_sop_instance_uid=ref.SOPInstanceUID, relationship_type="CONTAINS"),
    ]
    root = hd.sr.ContainerContentItem(name=codes.DCM.ImagingMeasurementReport, template_id="1500")
    root.ContentSequence = hd.sr.ContentSequence(items)
    sr = hd.sr.ComprehensiveSR(
        evidence=images, content=root, series_instance_uid=hd.UID(), series_number=90,
        sop_instance_uid=hd.UID(), instance_number=1, manufacturer="dicomhelp tests",
        institution_name=marker(), institutional_department_name=marker(), is_complete=True, is_final=True,
        is_verified=True, verifying_observer_name=marker(), verifying_organization=marker(),
    )
    sr.save_as(out)
    return sr


def make_gsps(images: list[Dataset], out: Path, *, text: str) -> Dataset:
    import highdicom as hd

    layer = hd.pr.GraphicLayer(layer_name="FINDINGS", order=1)
    annotation = hd.pr.GraphicAnnotation(
        referenced_images=images, graphic_layer=layer,
        text_objects=[hd.pr.TextObject(text_value=text, units="PIXEL", bounding_box=(10.0, 10.0, 60.0, 30.0))],
        graphic_objects=[hd.pr.GraphicObject(graphic_type="POINT", graphic_data=__import__("numpy").array([[20.0, 20.0]]),
                                             units="PIXEL")],
    )
    ps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=images, series_instance_uid=hd.UID(), series_number=91, sop_instance_uid=hd.UID(),
        instance_number=1, manufacturer="dicomhelp tests", manufacturer_model_name="tests",
        software_versions="1", device_serial_number=marker(), content_label="FINDINGS",
        content_description=marker(), graphic_annotations=[annotation], graphic_layers=[layer],
        institution_name=marker(), content_creator_name=marker(),
    )
    ps.save_as(out)
    return ps
