"""``dicomhelp transcode``: re-encode the pixels of a file into another transfer syntax."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dicomhelp.cli.common import cluster_option, json_option, print_json, progress_bar, uid_options, warn
from dicomhelp.cli.create_sc import COMPRESSIONS

EPILOG = """\b
Examples:
  dicomhelp transcode ct.dcm ct-jls.dcm --to jpeg-ls-lossless
  dicomhelp transcode ct-jls.dcm ct.dcm --to none            # back to explicit VR little endian
  dicomhelp transcode ct.dcm ct-j2k.dcm --to jpeg2000 --ratio 10
  dicomhelp transcode study/ study-jls/ --to jpeg-ls-lossless   # a folder into a folder
  dicomhelp transcode archive/ j2k/ --to jpeg2000 --uid-seed S --cluster tcp://sched:8786

\b
Lossless targets keep the pixels bit for bit and keep the SOP Instance UID.
A lossy target is a new instance: new SOP Instance UID, Lossy Image
Compression 01, ratio and method recorded, Image Type DERIVED, a reference to
the uncompressed original (purpose 121320). Frames are encoded on every core;
on a terminal a progress bar shows them.

\b
A folder is transcoded into another folder with the same layout and names;
a name already taken by other content gets _2, _3 (nothing is overwritten
unless --overwrite), the same content twice is written once (a duplicate),
and the last line counts inputs, written, failed and duplicates. With
--cluster the files are Dask tasks on workers that see the same paths;
lossy outputs get the same new UIDs as a local run with --uid-seed.

\b
Exit codes: 0 written; 1 the input cannot be transcoded (damaged, not an
image, pixels the encoder refuses; for a folder: some file not written); 2 usage error (bad option, missing file);
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
@click.option("--overwrite", is_flag=True,
              help="Folder output: replace files already there under the same name (default: NAME_2.dcm).")
@uid_options
@cluster_option
@json_option
def command(input_file: str, output: str, target: str, ratio: float | None, psnr: float | None,
            max_error: int | None, workers: int | None, overwrite: bool, uid_root: str | None,
            uid_seed: str | None, cluster: str | None, as_json: bool) -> None:
    """Re-encode the pixels of IN (a file or a folder) into another transfer syntax and write OUT."""
    import os

    from dicomhelp.codecs import Compression, frame_progress, start_transcoding, transcode_file

    compression = Compression(target, ratio=ratio, psnr=psnr, max_error=max_error, workers=workers)
    if os.path.isdir(input_file):
        _transcode_folder(Path(input_file), Path(output), compression, overwrite=overwrite, uid_root=uid_root,
                          uid_seed=uid_seed, as_json=as_json, cluster=cluster)
        return
    # Uncompressed frames start encoding on every core before pydicom is even imported.
    started = start_transcoding(input_file, compression)
    progress, stop_progress = progress_bar("encoding frames", disabled=as_json)
    try:
        from dicomhelp.io import decode_all, read_file
        from dicomhelp.uids import UIDPolicy

        policy = UIDPolicy.from_env(root=uid_root, seed=uid_seed)
        header = read_file(input_file)
        decode_all(header.dataset, input_file)  # before any value is looked at
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


def _transcode_folder(source: Path, out: Path, compression: Any, *, overwrite: bool, uid_root: str | None,
                      uid_seed: str | None, as_json: bool, cluster: str | None) -> None:
    """Every file of the folder, placed in input order through io.OutputFolder (same names, no overwrite).

    The files are transcoded one after the other here (each file's frames on every core), or as
    Dask tasks with ``cluster`` (:mod:`dicomhelp.cluster`); the outputs are the same.
    """
    import dataclasses
    from functools import partial

    from dicomhelp.codecs import transcode_into
    from dicomhelp.errors import UsageError
    from dicomhelp.io import OutputFolder, iter_files
    from dicomhelp.uids import UIDPolicy

    if out.exists() and not out.is_dir():
        raise UsageError("is a file; the output of a folder must be a folder", source=str(out))
    if out.resolve() == source.resolve() or source.resolve() in out.resolve().parents:
        raise UsageError("the output folder must not be the input folder or inside it", source=str(out),
                         hint="choose OUT outside IN")
    if cluster and compression.workers is None:
        # A worker is one core (and a daemon process, which may not fork encoders): spread files, not frames.
        compression = dataclasses.replace(compression, workers=1)
    work = partial(transcode_into, compression, UIDPolicy.from_env(root=uid_root, seed=uid_seed))
    report = []
    with OutputFolder(out, overwrite=overwrite) as folder:
        jobs = []
        for path in iter_files([source]):
            if path.name.upper() == "DICOMDIR":
                warn(f"{path}: a DICOMDIR index is not copied; rebuild it for the output")
                continue
            jobs.append((str(path), str(folder.stage())))
        if cluster:
            from dicomhelp.cluster import run

            errors = run(work, jobs, address=cluster, lost=lambda job, why: f"{job[0]}: not transcoded: {why}")
        else:
            errors = map(work, jobs)
        for (path, staged), error in zip(jobs, errors):
            if error is not None:
                warn(f"error: {error}")
                placed = folder.fail(path, error)
            else:
                placed = folder.place(staged, str(Path(path).relative_to(source)), path)
            report.append(placed.as_dict())
        for note in folder.notes():
            warn(note)
        if as_json:
            print_json(report)
        else:
            click.echo(f"transcoded into {out}: {folder.summary()}")
    if folder.exit_code:
        raise click.exceptions.Exit(folder.exit_code)
