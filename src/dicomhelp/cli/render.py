"""``dicomhelp render GSPS|SEG --image SRC -o preview.png``: see what a presentation state or segmentation shows."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json

EPILOG = """\b
Example:
  dicomhelp render findings-pr.dcm --image ct/CT0001.dcm -o preview.png
  dicomhelp render findings-pr.dcm --image ct/CT0001.dcm -o big.png --scale 4
  dicomhelp render findings-pr.dcm --image ct/ -o preview.png
  dicomhelp render nodule-seg.dcm --image ct/ -o contour.png
  dicomhelp render findings-pr.dcm --image ct/CT0002.dcm --seg nodule-seg.dcm -o both.png

\b
Applies the modality LUT (rescale), the window (VOI) and the presentation
LUT of the presentation state, its displayed area and rotation/flip, then
draws its graphic and text annotations in their layers' colours.
A Segmentation (SEG), given first or with --seg, blends each segment in its
recommended colour over the image (under the annotations).
"""


@click.command("render", epilog=EPILOG)
@click.argument("gsps", type=click.Path(dir_okay=False))
@click.option("--image", "image", required=True, type=click.Path(),
              help="An image the GSPS or SEG references, or a folder: its first annotated image.")
@click.option("--seg", "seg", type=click.Path(dir_okay=False),
              help="A Segmentation to overlay as well (with a GSPS).")
@click.option("-o", "--out", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Output PNG file.")
@click.option("--frame", default=1, show_default=True, type=click.IntRange(min=1), help="Frame of a multi-frame image.")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Enlarge the preview (whole pixels) so small images and text are readable.")
@json_option
def command(gsps: str, image: str, out: str, frame: int, scale: int, seg: str | None, as_json: bool) -> None:
    """Render IMAGE through the presentation state GSPS (or with the segments of a SEG) into a PNG preview."""
    from dicomhelp.display import render_file
    from dicomhelp.errors import UsageError

    if not out.lower().endswith(".png"):
        # The preview is always PNG: a .jpg name would hold PNG bytes and confuse viewers.
        raise UsageError("the preview is a PNG image: name it *.png", source=out)
    rendering = render_file(gsps, image, out, frame=frame, scale=scale, seg=seg)
    width, height = rendering.image.size
    if as_json:
        print_json({"file": out, "image": str(rendering.path), "width": width, "height": height,
                    "annotations": rendering.annotations, "segments": rendering.segments})
    else:
        segments = "" if rendering.segments is None else f" and {rendering.segments} segment(s)"
        click.echo(f"wrote {out}: {rendering.path} {width}×{height}, {rendering.annotations} annotation object(s)"
                   f"{segments} drawn")
