"""``dicomhelp create kos SPEC --source DIR -o OUT.dcm``: a Key Object Selection from a spec."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, spec_error_in_file, uid_options

EPILOG = """\b
Example:
  dicomhelp create kos key.yaml --source study/ -o key-objects.dcm

\b
key.yaml:
  title: "DCM: 113000"            # Of Interest (CID 7010)
  description: Nodule in the right lung
  images: [2, 3]                  # Instance Number, SOP Instance UID or file name
  objects: [nodule-seg.dcm]       # result objects (SR, SEG, GSPS, ...) in the source
  device: {name: LungAI, manufacturer: ACME}   # the observer: the AI device

\b
TID 2010 with the Current Requested Procedure Evidence Sequence. Its JSON
Schema: dicomhelp schema kos. Errors name the spec path (images[1]), and
nothing is written.
"""


@click.command("kos", epilog=EPILOG)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--source", "source", required=True, type=click.Path(),
              help="Folder (or files) of the study holding the images and objects referenced.")
@click.option("-o", "--out", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
@uid_options
@json_option
def command(spec: str, source: str, out: str, uid_root: str | None, uid_seed: str | None, as_json: bool) -> None:
    """Create a Key Object Selection document (TID 2010) from SPEC."""
    from pydicom import dcmread

    from dicomhelp.create.kos import create_kos
    from dicomhelp.errors import SpecError
    from dicomhelp.uids import UIDPolicy

    try:
        path = create_kos(spec, source, out, uid_policy=UIDPolicy.from_env(uid_root, uid_seed))
    except SpecError as exc:
        raise spec_error_in_file(exc, spec) from None
    ds = dcmread(path)
    refs = [str(i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID) for i in ds.ContentSequence
            if "ReferencedSOPSequence" in i]
    title = str(ds.ConceptNameCodeSequence[0].CodeMeaning)
    if as_json:
        print_json({"file": str(path), "sop_instance_uid": str(ds.SOPInstanceUID),
                    "series_instance_uid": str(ds.SeriesInstanceUID), "title": title, "references": refs})
    else:
        click.echo(f"wrote {path}: key object selection \"{title}\", {len(refs)} reference(s)")
