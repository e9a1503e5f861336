"""``dicomhelp create sr SPEC --source DIR -o OUT.dcm``: a TID 1500 Structured Report from a spec."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, uid_options, warn

EPILOG = """\b
Example:
  dicomhelp create sr findings.yaml --source ct/ -o findings-sr.dcm
  dicomhelp sr findings-sr.dcm              show the content tree
  dicomhelp schema sr > sr.schema.json      the JSON Schema, for editors

\b
The spec (YAML or JSON) names the observer (a person and/or an AI device),
and measurement groups with qualitative evaluations, measurements (UCUM
units) and a location: the images (TID 1501), a planar region (TID 1410) or
a volume (TID 1411). Images are referenced by SOP Instance UID, file name in
--source or instance number. The IOD is Enhanced SR when it suffices, else
Comprehensive (3D) SR. Errors name the spec path, e.g.
groups[2].measurements[0].unit, and nothing is written.
Example spec: dicomhelp/data/examples/sr-example.yaml.
"""


@click.command("sr", epilog=EPILOG)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--source", "sources", required=True, multiple=True, type=click.Path(),
              help="Folder or file of the study reported on (repeat it to add priors).")
@click.option("-o", "--out", "--output", "out", required=True, type=click.Path(dir_okay=False), help="Output file.")
@click.option("--iod", type=click.Choice(["auto", "enhanced", "comprehensive", "comprehensive-3d"]), default=None,
              help="Force the SR IOD (default: the spec's document.iod, auto).")
@uid_options
@json_option
def command(spec: str, sources: tuple[str, ...], out: str, iod: str | None, uid_root: str | None,
            uid_seed: str | None, as_json: bool) -> None:
    """Create a TID 1500 Measurement Report (Structured Report) from SPEC."""
    from dicomhelp.create.sr import create_sr, load_sr_spec
    from dicomhelp.errors import SpecError
    from dicomhelp.uids import UIDPolicy

    try:
        typed = load_sr_spec(spec)
        if iod is not None:
            typed.document.iod = iod  # type: ignore[assignment]
        result = create_sr(typed, list(sources), out, uid_policy=UIDPolicy.from_env(uid_root, uid_seed))
    except SpecError as exc:
        if exc.source == spec:
            raise
        # Name the spec file too: the path inside it alone may be ambiguous.
        raise SpecError(exc.message, source=f"{spec}: {exc.source}", hint=exc.hint) from None
    for note in result.notes:
        warn(f"{note.severity.value}: {note.path}: {note.message}")
    ds = result.dataset
    groups = len(typed.groups)
    if as_json:
        print_json({"file": out, "iod": result.iod, "sop_class_uid": str(ds.SOPClassUID),
                    "sop_instance_uid": str(ds.SOPInstanceUID), "series_instance_uid": str(ds.SeriesInstanceUID),
                    "groups": groups, "notes": [n.to_dict() for n in result.notes]})
    else:
        kind = {"enhanced": "Enhanced SR", "comprehensive": "Comprehensive SR",
                "comprehensive-3d": "Comprehensive 3D SR"}[result.iod]
        click.echo(f"wrote {out}: {kind}, TID 1500, {groups} measurement group(s)")
