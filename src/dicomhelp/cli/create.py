"""``dicomhelp create KIND``: one module per kind of object, imported when used."""

from __future__ import annotations

from importlib import import_module

import click

# kind -> (module with a click command named `command`, one-line help)
CREATE_COMMANDS: dict[str, tuple[str, str]] = {
    "sc": ("dicomhelp.cli.create_sc", "Secondary Capture images (single or multi-frame, compressed)."),
    "pdf": ("dicomhelp.cli.create_pdf", "Encapsulated PDF from a PDF report."),
    "sr": ("dicomhelp.cli.create_sr", "A TID 1500 Structured Report from a spec."),
    "gsps": ("dicomhelp.cli.create_gsps", "A Grayscale Softcopy Presentation State from a spec."),
    "seg": ("dicomhelp.cli.create_seg", "A Segmentation of a source series from a spec and masks."),
    "kos": ("dicomhelp.cli.create_kos", "A Key Object Selection (key images, result objects) from a spec."),
    "results": ("dicomhelp.cli.create_results", "A whole AI result set (SR, SEG, GSPS, SC, PDF, KOS) from one spec."),
}


def _exists(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


class CreateGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [k for k, (mod, _) in CREATE_COMMANDS.items() if _exists(mod)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in CREATE_COMMANDS or not _exists(CREATE_COMMANDS[name][0]):
            return None
        return import_module(CREATE_COMMANDS[name][0]).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(k, CREATE_COMMANDS[k][1]) for k in self.list_commands(ctx)]
        if rows:
            with formatter.section("Kinds"):
                formatter.write_dl(rows)


@click.group(cls=CreateGroup, epilog="\b\nExample:\n  dicomhelp create sc mask.png --source ct/ -o sc.dcm")
def command() -> None:
    """Create a DICOM object, usually derived from a source study (--source)."""
