"""``dicomhelp transcode``: re-encode the pixels of a file into another transfer syntax."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, progress_bar, uid_options
from dicomhelp.cli.create_sc import COMPRESSIONS

EPILOG = """\b
Examples:
  dicomhelp transcode ct.dcm ct-jls.dcm --to jpeg-ls-lossless
  dicomhelp transcode ct-jls.dcm ct.dcm --to none            # back to explicit VR little endian
  dicomhelp transcode ct.dcm ct-j2k.dcm --to jpeg2000 --ratio 10

\b
Lossless targets keep the pixels bit for bit and keep the SOP Instance UID.
A lossy target is a new instance: new SOP Instance UID, Lossy Image
Compression 01, ratio and method recorded, Image Type DERIVED, a reference to
the uncompressed original (purpose 121320). Frames are encoded on every core;
on a terminal a progress bar shows them.

\b
Exit codes: 0 written; 1 the input cannot be transcoded (damaged, not an
image, pixels the encoder refuses); 2 usage error (bad option, missing file);
130 interrupted by Ctrl-C, 143 stopped by SIGTERM (nothing written either way).
"""


@click.command("transcode", epilog=EPILOG)
@click.argument("input_file", metavar="IN", type=click.Path())
@click.argument("output", metavar="OUT", type=click.Path())
@click.option("--to", "target", required=True, type=click.Choice(COMPRESSIONS),
              help="Target transfer syntax (none = explicit VR little endian).")
@click.option("--ratio", type=float, default=None, help="jpeg2000: target compression ratio, >= 1 (default 10).")
@click.option("--psnr", type=float, default=None, help="jpeg2000: target PSNR in dB.")
@click.option("--max-error", type=int, default=None,
              help="jpeg-ls-near-lossless: largest allowed pixel error (default 2).")
@click.option("--workers", type=int, default=None, help="Encoding processes (default: all cores when it pays).")
@uid_options
@json_option
def command(input_file: str, output: str, target: str, ratio: float | None, psnr: float | None,
            max_error: int | None, workers: int | None, uid_root: str | None, uid_seed: str | None,
            as_json: bool) -> None:
    """Re-encode the pixels of IN into another transfer syntax and write OUT."""
    from dicomhelp.codecs import Compression, frame_progress, start_transcoding, transcode_file

    compression = Compression(target, ratio=ratio, psnr=psnr, max_error=max_error, workers=workers)
    # Uncompressed frames start encoding on every core before pydicom is even imported.
    started = start_transcoding(input_file, compression)
    progress, stop_progress = progress_bar("encoding frames", disabled=as_json)
    try:
        from dicomhelp.io import read_file
        from dicomhelp.uids import UIDPolicy

        policy = UIDPolicy.from_env(root=uid_root, seed=uid_seed)
        header = read_file(input_file)
        old_uid = str(header.dataset.get("SOPInstanceUID", ""))
        with frame_progress(progress):
            # Lossless targets are encoded while the output is written: no compressed copy in memory.
            result = transcode_file(input_file, compression, header=header, stream=True, started=started,
                                    new_uid=lambda: policy.new("lossy", old_uid, compression.name, compression.ratio,
                                                               compression.psnr, compression.max_error))
            result.write(output)
    finally:
        stop_progress()
        if started is not None:
            started.close()
    if as_json:
        print_json({"output": output, "sop_instance_uid": str(result.dataset.SOPInstanceUID),
                    "new_instance": result.new_instance, "notes": result.notes, **result.report.as_dict()})
        return
    click.echo(f"wrote {output}: {result.report.summary()}")
    for note in result.notes:
        click.echo(f"  note: {note}")
    if result.new_instance:
        click.echo(f"  lossy: new SOP Instance UID {result.dataset.SOPInstanceUID}")
