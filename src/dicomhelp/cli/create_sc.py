"""``dicomhelp create sc``: Secondary Capture images from PNG/JPEG/TIFF files or a .npy array."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, progress_bar, uid_options

COMPRESSIONS = ["none", "rle-lossless", "jpeg-ls-lossless", "jpeg-ls-near-lossless", "jpeg2000-lossless", "jpeg2000"]

EPILOG = """\b
Examples:
  dicomhelp create sc heatmap.png --source ct/ -o sc.dcm
  dicomhelp create sc frames.npy --source ct/ -o sc.dcm --compression jpeg-ls-lossless
  dicomhelp create sc f1.png f2.png f3.png -o sc.dcm --compression jpeg2000 --ratio 10

\b
One frame gives Secondary Capture Image Storage; several frames give the
multi-frame SC class that fits the data: Single Bit (1-bit masks), Grayscale
Byte (8-bit), Grayscale Word (9-16 bit; signed data is shifted to unsigned),
True Color (8-bit RGB). A .npy array is (frames, rows, columns[, 3]).
"""


def _compression_options(func):  # type: ignore[no-untyped-def]
    func = click.option("--workers", type=int, default=None,
                        help="Encoding processes (default: all cores for large objects).")(func)
    func = click.option("--max-error", type=int, default=None,
                        help="jpeg-ls-near-lossless: largest allowed pixel error (default 2).")(func)
    func = click.option("--psnr", type=float, default=None, help="jpeg2000: target PSNR in dB.")(func)
    func = click.option("--ratio", type=float, default=None,
                        help="jpeg2000: target compression ratio, >= 1 (default 10).")(func)
    func = click.option("--compression", type=click.Choice(COMPRESSIONS), default="none", show_default=True,
                        help="Transfer syntax of the pixels.")(func)
    return func


@click.command("sc", epilog=EPILOG)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--source", "sources", multiple=True, type=click.Path(),
              help="Source image file or folder: the SC joins its patient and study and references it.")
@click.option("-o", "--output", "--out", "output", required=True, type=click.Path(dir_okay=False), help="The DICOM file to write.")
@_compression_options
@click.option("--window", nargs=2, type=float, default=None, metavar="CENTER WIDTH",
              help="Display window in the input's units (default: the full range).")
@click.option("--frame-time", type=float, default=None, help="Milliseconds between frames (adds the Cine module).")
@click.option("--pixel-spacing", nargs=2, type=float, default=None, metavar="ROW COL",
              help="Pixel spacing in mm, only if the images are true to scale.")
@click.option("--series-description", default="Secondary Capture", show_default=True)
@click.option("--series-number", type=int, default=900, show_default=True)
@click.option("--conversion-type", default="WSD", show_default=True,
              help="How the image was made: WSD workstation, SYN synthetic, DRW drawing, ...")
@click.option("--burned-in-annotation", is_flag=True, help="The pixels show text that identifies the patient.")
@click.option("--body-part", default=None, help="Body Part Examined (default: the source's).")
@click.option("--laterality", type=click.Choice(["R", "L"]), default=None, help="Side of a paired body part.")
@click.option("--patient-name", default=None, help="Without --source: the new patient's name.")
@click.option("--patient-id", default=None, help="Without --source: the new patient's ID.")
@uid_options
@json_option
def command(inputs: tuple[str, ...], sources: tuple[str, ...], output: str, compression: str,
            ratio: float | None, psnr: float | None, max_error: int | None, workers: int | None,
            window: tuple[float, float] | None, frame_time: float | None,
            pixel_spacing: tuple[float, float] | None, series_description: str, series_number: int,
            conversion_type: str, burned_in_annotation: bool, body_part: str | None, laterality: str | None,
            patient_name: str | None, patient_id: str | None, uid_root: str | None, uid_seed: str | None,
            as_json: bool) -> None:
    """Create a Secondary Capture image from INPUTS (PNG, JPEG, TIFF or .npy)."""
    from dicomhelp.codecs import Compression, frame_progress, write_with_pixels
    from dicomhelp.create.images import load_frames
    from dicomhelp.create.sc import SOP_CLASS_NAMES, SCOptions, build_sc_streamed
    from dicomhelp.create.sources import builder_for, is_image
    from dicomhelp.errors import InputError

    options = SCOptions(
        series_description=series_description, series_number=series_number, conversion_type=conversion_type,
        burned_in_annotation="YES" if burned_in_annotation else "NO", window=window, frame_time=frame_time,
        pixel_spacing=pixel_spacing, body_part=body_part, laterality=laterality,
        compression=Compression(compression, ratio=ratio, psnr=psnr, max_error=max_error, workers=workers),
    )
    frames = load_frames(inputs)
    builder = builder_for(sources, uid_root=uid_root, uid_seed=uid_seed,
                          patient_name=patient_name, patient_id=patient_id)
    if sources and not any(is_image(d) for d in builder.study.source):
        raise InputError("the source has no images to derive a Secondary Capture from", source=", ".join(sources),
                         hint="give image files (CT, MR, ...) as --source, not SR or PDF objects")
    progress, stop_progress = progress_bar("encoding frames", disabled=as_json)
    try:
        with frame_progress(progress):
            try:
                # Lossless frames are encoded while the file is written (see codecs.PendingPixels).
                ds, report, pending = build_sc_streamed(frames, builder=builder, options=options)
            except InputError as exc:
                if exc.source:
                    raise
                # What is wrong with the pixels is wrong with the input files: name them.
                named = ", ".join(inputs[:3]) + (f" (and {len(inputs) - 3} more)" if len(inputs) > 3 else "")
                raise InputError(exc.message, source=named, hint=exc.hint) from None
            write_with_pixels(ds, pending, output)
    finally:
        stop_progress()
    sop = SOP_CLASS_NAMES[str(ds.SOPClassUID)]
    if as_json:
        print_json({"output": output, "sop_class": sop, "sop_instance_uid": str(ds.SOPInstanceUID),
                    "series_instance_uid": str(ds.SeriesInstanceUID), "frames": report.frames,
                    "compression": report.as_dict()})
        return
    click.echo(f"wrote {output}: {sop}, {report.summary()}")
