"""Encapsulated PDF and ``extract``: dciodvfy, dcm2pdf and extract give the PDF back byte-identical."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydicom import dcmread

from dicomhelp.create import pdf as pdfmod
from dicomhelp.create.pdf import PDFOptions, create_pdf, extract_document
from dicomhelp.create.sources import load_sources
from dicomhelp.errors import InputError, SpecError
from dicomhelp.io import sample_file, write_atomic
from dicomhelp.samples import make_sample_study
from support import assert_clean_failure, dcentvfy, dciodvfy, dcmdump, run_cli, tool


def minimal_pdf(text: str = "Hello") -> bytes:
    """A valid one-page PDF 1.4 with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_sample_study(tmp_path_factory.mktemp("study") / "ct")


@pytest.mark.validators
@pytest.mark.parametrize("text", ["Hello", "Hello!"], ids=["odd-length", "even-length"])
def test_pdf_validates_and_comes_back_identical(text: str, study: list[Path], tmp_path: Path) -> None:
    data = minimal_pdf(text)
    (tmp_path / "report.pdf").write_bytes(data)
    ds = create_pdf(tmp_path / "report.pdf", source=load_sources([study[0].parent]))
    out = write_atomic(ds, tmp_path / "report.dcm")
    verdict = dciodvfy(out)
    assert verdict.ok, str(verdict)
    assert not verdict.warnings, verdict.warnings
    assert dcmdump(out).ok
    back = dcmread(out)
    assert back.Modality == "DOC" and back.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert len(back.EncapsulatedDocument) % 2 == 0 and back.EncapsulatedDocumentLength == len(data)
    assert back.DocumentTitle == "report" and back.BurnedInAnnotation == "YES"
    assert "ConceptNameCodeSequence" in back and len(back.ConceptNameCodeSequence) == 0  # Type 2: present, empty
    assert back.ConversionType == "WSD"
    refs = {str(i.ReferencedSOPInstanceUID) for i in back.SourceInstanceSequence}
    assert refs == {str(dcmread(p).SOPInstanceUID) for p in study}
    proc = subprocess.run([tool("dcm2pdf"), str(out), str(tmp_path / "dcmtk.pdf")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "dcmtk.pdf").read_bytes() == data
    proc = run_cli("extract", str(out), "-o", str(tmp_path / "ours.pdf"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ours.pdf").read_bytes() == data
    assert dcentvfy([*study, out]).ok


@pytest.mark.validators
def test_cli_create_pdf_with_concept_name(study: list[Path], tmp_path: Path) -> None:
    (tmp_path / "r.pdf").write_bytes(minimal_pdf())
    out = tmp_path / "r.dcm"
    proc = run_cli("create", "pdf", str(tmp_path / "r.pdf"), "--source", str(study[0].parent), "-o", str(out),
                   "--title", "AI findings", "--concept-name", "18748-4", "LN", "Diagnostic imaging report",
                   "--uid-seed", "s1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert '"document_bytes": ' in proc.stdout and '"source_instances": 4' in proc.stdout
    ds = dcmread(out)
    assert ds.DocumentTitle == "AI findings" and ds.ConceptNameCodeSequence[0].CodeValue == "18748-4"
    assert dciodvfy(out).ok
    src = dcmread(study[0])
    assert ds.PatientID == src.PatientID and ds.StudyInstanceUID == src.StudyInstanceUID
    assert ds.SeriesInstanceUID != src.SeriesInstanceUID


def test_extract_without_length_strips_pdf_padding() -> None:
    data = minimal_pdf()
    assert len(data) % 2 == 1
    ds = create_pdf(data)
    del ds.EncapsulatedDocumentLength  # as older writers leave it
    assert extract_document(ds)[0] == data


def test_options_from_spec() -> None:
    opts = PDFOptions.from_dict({"title": "X", "concept_name": {"value": "18748-4", "scheme": "LN",
                                                                 "meaning": "Diagnostic imaging report"}})
    assert opts.concept_name == ("18748-4", "LN", "Diagnostic imaging report")
    with pytest.raises(SpecError) as err:
        PDFOptions.from_dict({"titel": "X"})
    assert err.value.source == "pdf.titel"


@pytest.mark.parametrize("case", ["not-pdf", "empty", "encrypted", "too-large", "missing"])
def test_bad_documents_fail_cleanly(case: str, tmp_path: Path) -> None:
    path = tmp_path / "in.pdf"
    content = {
        "not-pdf": b"PK\x03\x04 this is a zip",
        "empty": b"",
        "encrypted": minimal_pdf().replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 6 0 R"),
        "too-large": minimal_pdf(),
    }.get(case)
    if content is not None:
        path.write_bytes(content)
    out = tmp_path / "out.dcm"
    if case == "too-large":
        # The real limit is 4 GiB; check the same code path with a smaller one through the API.
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(pdfmod, "MAX_DOCUMENT_BYTES", 100)
            with pytest.raises(InputError, match="more than the 100"):
                create_pdf(path)
        return
    proc = run_cli("create", "pdf", str(path), "-o", str(out))
    code, message = {"not-pdf": (1, "is not a PDF"), "empty": (1, "is empty"),
                     "encrypted": (1, "encrypted PDF"), "missing": (2, "no such file")}[case]
    assert_clean_failure(proc, code)
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_extract_refuses_an_image(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    proc = run_cli("extract", str(sample_file("CT_small.dcm")), "-o", str(out))
    assert_clean_failure(proc, 1)
    assert "is not an encapsulated document (CT Image Storage)" in proc.stderr
    assert not out.exists()
