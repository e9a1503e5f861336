"""``dicomhelp create seg SPEC --source DIR -o OUT.dcm``: a Segmentation of a source series from a spec."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, spec_error_in_file, uid_options

EPILOG = """\b
Example:
  dicomhelp create seg nodule.yaml --source ct/ -o nodule-seg.dcm

\b
nodule.yaml:
  algorithm: {name: LungAI, version: "1.0"}
  compression: jpeg2000-lossless      # none | jpeg2000-lossless (BINARY);
                                      # also rle-lossless, jpeg-ls-lossless (FRACTIONAL)
  segments:
    - label: Nodule 1
      category: "SCT: MorphologicallyAbnormalStructure"   # CID 7150
      type: "SCT: Nodule"                                 # CID 7151
      mask: nodule.npy        # frames x rows x columns, one frame per source slice
                              # (or a list of PNGs, one per slice; or label_map: for all)

\b
Frames follow the source series (instance number order); empty ones are
left out. Its JSON Schema: dicomhelp schema seg. Errors name the spec path
(segments[0].type) or the mask file, and nothing is written.
"""


@click.command("seg", epilog=EPILOG)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--source", "source", required=True, type=click.Path(),
              help="Folder (or files) of the source series the masks are drawn on.")
@click.option("-o", "--out", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
@uid_options
@json_option
def command(spec: str, source: str, out: str, uid_root: str | None, uid_seed: str | None, as_json: bool) -> None:
    """Create a Segmentation (BINARY or FRACTIONAL segments) from SPEC and its masks."""
    from pydicom import dcmread

    from dicomhelp.create.seg import create_seg
    from dicomhelp.errors import SpecError
    from dicomhelp.uids import UIDPolicy

    try:
        path = create_seg(spec, source, out, uid_policy=UIDPolicy.from_env(uid_root, uid_seed))
    except SpecError as exc:
        raise spec_error_in_file(exc, spec) from None
    ds = dcmread(path, stop_before_pixels=True)
    segments = [str(s.SegmentLabel) for s in ds.SegmentSequence]
    if as_json:
        print_json({"file": str(path), "sop_instance_uid": str(ds.SOPInstanceUID),
                    "series_instance_uid": str(ds.SeriesInstanceUID), "type": str(ds.SegmentationType),
                    "segments": segments, "frames": int(ds.NumberOfFrames),
                    "transfer_syntax": str(ds.file_meta.TransferSyntaxUID)})
    else:
        click.echo(f"wrote {path}: {ds.SegmentationType} segmentation, {len(segments)} segment(s), "
                   f"{int(ds.NumberOfFrames)} frame(s)")
