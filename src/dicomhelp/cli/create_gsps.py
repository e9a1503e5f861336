"""``dicomhelp create gsps SPEC --source DIR -o OUT.dcm``: a presentation state from a spec."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, spec_error_in_file, uid_options

EPILOG = """\b
Example:
  dicomhelp create gsps findings.yaml --source ct/ -o findings-pr.dcm
  dicomhelp render findings-pr.dcm --image ct/CT0001.dcm -o preview.png

\b
The spec (YAML or JSON) lists graphic layers and annotations per image
(POINT, POLYLINE, INTERPOLATED, CIRCLE, ELLIPSE, text) in PIXEL or DISPLAY
units, and optionally a window, a displayed area and a rotation/flip.
Its JSON Schema: dicomhelp schema gsps. Errors name the spec path, e.g.
annotations[2].layer, and nothing is written.
"""


@click.command("gsps", epilog=EPILOG)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--source", "source", required=True, type=click.Path(),
              help="Folder (or file) of the source study whose images are annotated.")
@click.option("-o", "--out", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
@uid_options
@json_option
def command(spec: str, source: str, out: str, uid_root: str | None, uid_seed: str | None, as_json: bool) -> None:
    """Create a Grayscale Softcopy Presentation State (annotations, window) from SPEC."""
    from pydicom import dcmread

    from dicomhelp.create.gsps import create_gsps
    from dicomhelp.uids import UIDPolicy

    from dicomhelp.errors import SpecError

    try:
        path = create_gsps(spec, source, out, uid_policy=UIDPolicy.from_env(uid_root, uid_seed))
    except SpecError as exc:
        raise spec_error_in_file(exc, spec) from None
    ds = dcmread(path, stop_before_pixels=True)
    images = sum(len(s.ReferencedImageSequence) for s in ds.ReferencedSeriesSequence)
    annotations = len(ds.get("GraphicAnnotationSequence", []))
    if as_json:
        print_json({"file": str(path), "sop_instance_uid": str(ds.SOPInstanceUID),
                    "series_instance_uid": str(ds.SeriesInstanceUID), "images": images,
                    "annotations": annotations, "layers": [str(x.GraphicLayer) for x in
                                                           ds.get("GraphicLayerSequence", [])]})
    else:
        click.echo(f"wrote {path}: presentation state for {images} image(s), {annotations} annotation(s)")

