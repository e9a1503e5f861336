"""``dicomhelp create results SPEC --source DIR -o OUTDIR``: a whole AI result set from one spec."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, uid_options

EPILOG = """\b
Example:
  dicomhelp create results results.yaml --source ct/ -o results/ --uid-seed my-secret
  dicomhelp create results results.yaml --source ct/ --dry-run

\b
The spec (YAML or JSON) has any of the sections sr, gsps, sc, pdf (each one
the spec of `create sr`, `create gsps`, ...) and a device: the AI product,
written as the same equipment and Device UID on every object. Everything is
built and every reference checked before anything is written; OUTDIR gets
a DICOMDIR, the new objects (one series per kind) and a copy of the source
study, then the set is validated. An example spec for the sample study:
  python -c "import dicomhelp.create.results as r; print(r.example_spec_path())"
JSON Schema: dicomhelp schema results.
"""


@click.command("results", epilog=EPILOG)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--source", "source", required=True, type=click.Path(),
              help="Folder of the source study the results are about.")
@click.option("-o", "--out", "--output", "out", type=click.Path(file_okay=False),
              help="Output folder (new or empty; --force replaces an earlier result folder).")
@click.option("--dry-run", is_flag=True, help="Check the spec and every reference against the source; write nothing.")
@click.option("--with-source/--without-source", default=True, show_default=True,
              help="Copy the source study into the output folder so it is complete on its own.")
@click.option("--force", is_flag=True, help="Replace OUTDIR if it holds an earlier result set (has a DICOMDIR).")
@click.option("--no-validate", is_flag=True, help="Skip validating the written set.")
@uid_options
@json_option
def command(spec: str, source: str, out: str | None, dry_run: bool, with_source: bool, force: bool,
            no_validate: bool, uid_root: str | None, uid_seed: str | None, as_json: bool) -> None:
    """Create SR, GSPS, SC and PDF objects for a study from one SPEC, as one importable folder."""
    from dicomhelp.cli.common import spec_error_in_file
    from dicomhelp.create.results import create_results, summary_lines
    from dicomhelp.errors import InputError, SpecError, UsageError
    from dicomhelp.uids import UIDPolicy

    if not dry_run and not out:
        raise UsageError("give an output folder with -o/--out, or --dry-run to check only")

    try:
        result, written = create_results(spec, source, None if dry_run else out, dry_run=dry_run,
                                         uid_policy=UIDPolicy.from_env(uid_root, uid_seed),
                                         with_source=with_source, force=force)
    except SpecError as exc:
        raise spec_error_in_file(exc, spec) from None
    data = {"dry_run": dry_run, "device_uid": result.device_uid, "objects": result.summary()}
    summary = None
    errors = 0
    if written is not None:
        data["folder"] = str(written.folder)
        data["files"] = written.files
        if not no_validate:
            from dicomhelp.validate import short_summary, validate_paths

            run = validate_paths([written.folder], as_set=True, jobs=1)
            summary = short_summary(run)
            errors = run.errors
            data["validation"] = {"errors": run.errors, "warnings": run.warnings, "summary": summary}
    if as_json:
        print_json(data)
    else:
        for line in summary_lines(result, written, dry_run=dry_run, validation=summary):
            click.echo(line)
    if errors:
        raise InputError(f"the written set has {errors} validation error(s)",
                         hint=f"see: dicomhelp validate --as-set {out}")
