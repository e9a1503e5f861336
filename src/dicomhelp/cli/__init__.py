"""The ``dicomhelp`` command: a thin layer over the Python API.

Each subcommand lives in its own module here and is imported only when it
runs, so ``dicomhelp --help`` does not pay for pydicom or highdicom. To add a
command, add one line to :data:`COMMANDS`.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import click

from dicomhelp import __version__
from dicomhelp.errors import EXIT_INTERNAL, DicomHelpError

# name -> (module, one-line help shown by `dicomhelp --help`)
COMMANDS: dict[str, tuple[str, str]] = {}


def register(name: str, module: str, summary: str) -> None:
    COMMANDS[name] = (module, summary)


register("tour", "dicomhelp.cli.tour", "Create, validate and show a full result set for a sample study.")
register("dump", "dicomhelp.cli.dump", "Show what is inside DICOM files, as a tree of elements.")
register("sr", "dicomhelp.cli.sr", "Show the content tree of a Structured Report.")
register("create", "dicomhelp.cli.create", "Create SC, PDF, SR, GSPS, SEG, KOS objects or a whole result set.")
register("schema", "dicomhelp.cli.schema", "Print the JSON Schema of a creation spec (sr, ...).")
register("explain", "dicomhelp.cli.explain", "Explain a keyword, tag, VR, UID, code, CID, TID, IOD or module in plain words.")
register("edit", "dicomhelp.cli.edit", "Change elements of DICOM files (values checked, nothing else lost).")
register("diff", "dicomhelp.cli.diff", "Show the element-level differences between two DICOM files.")
register("anonymize", "dicomhelp.cli.anonymize", "De-identify files by the PS3.15 Basic Profile and its options.")
register("validate", "dicomhelp.cli.validate", "Check files against the standard; say what is wrong and how to fix it.")
register("transcode", "dicomhelp.cli.transcode", "Re-encode pixels: RLE, JPEG-LS, JPEG 2000 or uncompressed.")
register("extract", "dicomhelp.cli.extract", "Write out the PDF (or CDA, STL) inside an object.")
register("render", "dicomhelp.cli.render", "Render an image through a presentation state (GSPS) or with a segmentation (SEG) into a PNG.")
register("view", "dicomhelp.cli.view", "See files, a study or a result set in the browser, every element explained.")
register("echo", "dicomhelp.cli.echo", "Check that a PACS answers and accepts us (C-ECHO).")
register("send", "dicomhelp.cli.send", "Send files to a PACS (C-STORE), checked first, nothing sent twice.")
register("find", "dicomhelp.cli.find", "Query a PACS for studies, series or instances (C-FIND).")
register("get", "dicomhelp.cli.get", "Retrieve a study from a PACS into a folder (C-GET or C-MOVE).")
register("receive", "dicomhelp.cli.receive", "Receive instances (Storage SCP), validating each one.")


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, (mod, _) in COMMANDS.items() if _module_exists(mod))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _summary = COMMANDS[name]
        if not _module_exists(module):
            return None
        return import_module(module).command

    # --help lists the summaries without importing any command module.
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][1]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


EPILOG = """\b
Examples:
  dicomhelp tour --out study/        create a sample result set and show it
  dicomhelp dump CT.dcm              what is in this file?
  dicomhelp COMMAND --help           options and examples of a command

\b
Exit codes: 0 success; 1 the input has problems (unreadable file,
validation errors); 2 usage error (bad option, bad spec, missing file);
3 internal error (a bug: please report it).
"""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dicomhelp")
def cli() -> None:
    """dicomhelp: understand, check, modify and create DICOM files."""


def _tune_process() -> None:
    """Settings for a short-lived process that works on big pixel buffers, made before numpy is imported.

    numpy's OpenBLAS starts a spinning thread per core at import: ~0.1 s of CPU
    that the encoder processes need, for linear algebra no command does (the
    parallel work here is in processes); an explicit setting of the user's wins.
    The codecs allocate and free a few frame-sized buffers per frame, which
    glibc maps fresh from the kernel each time and unmaps again: 100,000 page
    faults, ~0.15 s of system time in a 100 MB transcode. glibc is asked to
    keep freed blocks of up to 32 MiB (the largest it would choose itself) for
    reuse; without glibc nothing is changed.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    mallopt(m_mmap_threshold, 32 * 1024 * 1024)
    mallopt(m_trim_threshold, 64 * 1024 * 1024)


class Terminated(BaseException):
    """SIGTERM, raised where the command is, so that its clean-up runs (no temporary file left)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every error onto the exit-code table."""
    import signal

    _tune_process()
    # A service manager or `timeout` stops a command like Ctrl-C does, not mid-write.
    on_sigterm = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = cli.main(args=argv, prog_name="dicomhelp", standalone_mode=False)
    except Terminated:
        click.echo("dicomhelp: terminated", err=True)
        code = 143
    except click.exceptions.Abort:
        click.echo("dicomhelp: aborted", err=True)
        code = 130
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except DicomHelpError as exc:
        click.echo(f"dicomhelp: error: {exc.one_line()}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("dicomhelp: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        # Output piped into `head` and closed: not an error of ours.
        sys.stderr.close()
        code = 0
    except Exception as exc:  # a bug: one line, details only on request
        if os.environ.get("DICOMHELP_DEBUG"):
            raise
        click.echo(
            f"dicomhelp: internal error: {type(exc).__name__}: {exc} "
            "(please report it; set DICOMHELP_DEBUG=1 for details)",
            err=True,
        )
        code = EXIT_INTERNAL
    finally:
        signal.signal(signal.SIGTERM, on_sigterm)
    sys.exit(code if isinstance(code, int) else 0)
