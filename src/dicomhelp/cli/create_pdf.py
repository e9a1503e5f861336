"""``dicomhelp create pdf``: an Encapsulated PDF object from a PDF report."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, uid_options

EPILOG = """\b
Examples:
  dicomhelp create pdf report.pdf --source ct/ -o report.dcm
  dicomhelp create pdf report.pdf --source ct/ -o report.dcm --title "AI findings" \\
      --concept-name 18748-4 LN "Diagnostic imaging report"
  dicomhelp extract report.dcm -o back.pdf      # the PDF again, byte-identical
"""


@click.command("pdf", epilog=EPILOG)
@click.argument("report", type=click.Path())
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="Source file or folder: the PDF joins its patient and study and references its instances.")
@click.option("-o", "--output", "--out", "output", required=True, type=click.Path(dir_okay=False), help="The DICOM file to write.")
@click.option("--title", default=None, help="Document Title (default: the PDF's file name).")
@click.option("--concept-name", nargs=3, default=None, metavar="VALUE SCHEME MEANING",
              help="The document's kind as a code, e.g. 18748-4 LN 'Diagnostic imaging report'.")
@click.option("--series-description", default="Reports", show_default=True)
@click.option("--series-number", type=int, default=950, show_default=True)
@click.option("--no-burned-in-annotation", is_flag=True,
              help="The document does not identify the patient (default: it does).")
@click.option("--patient-name", default=None, help="Without --source: the new patient's name.")
@click.option("--patient-id", default=None, help="Without --source: the new patient's ID.")
@uid_options
@json_option
def command(report: str, sources: tuple[str, ...], output: str, title: str | None,
            concept_name: tuple[str, str, str] | None, series_description: str, series_number: int,
            no_burned_in_annotation: bool, patient_name: str | None, patient_id: str | None,
            uid_root: str | None, uid_seed: str | None, as_json: bool) -> None:
    """Create an Encapsulated PDF object holding REPORT."""
    from dicomhelp.create.pdf import PDFOptions, create_pdf, read_pdf
    from dicomhelp.create.sources import builder_for
    from dicomhelp.io import write_atomic

    options = PDFOptions(title=title, concept_name=concept_name, series_description=series_description,
                         series_number=series_number,
                         burned_in_annotation="NO" if no_burned_in_annotation else "YES")
    read_pdf(report)  # refuse a bad document before reading the source study
    builder = builder_for(sources, uid_root=uid_root, uid_seed=uid_seed,
                          patient_name=patient_name, patient_id=patient_id)
    ds = create_pdf(report, builder=builder, options=options)
    write_atomic(ds, output)
    size = int(ds.EncapsulatedDocumentLength)
    if as_json:
        print_json({"output": output, "sop_instance_uid": str(ds.SOPInstanceUID),
                    "series_instance_uid": str(ds.SeriesInstanceUID), "document_bytes": size,
                    "title": str(ds.DocumentTitle),
                    "source_instances": len(ds.get("SourceInstanceSequence", []))})
        return
    click.echo(f"wrote {output}: Encapsulated PDF, {size} bytes, title '{ds.DocumentTitle}'")
