"""``dicomhelp explain TERM``: what a keyword, tag, VR, UID, code, CID, TID, IOD or module means."""

from __future__ import annotations

import click

from dicomhelp.cli.common import json_option, print_json, use_color

EPILOG = """\b
Examples:
  dicomhelp explain PatientName            a keyword
  dicomhelp explain "(0040,A010)"          a tag, also 0040A010 or 0040,A010
  dicomhelp explain CS                     a value representation
  dicomhelp explain 1.2.840.10008.5.1.4.1.1.88.22
  dicomhelp explain DCM:121049             a code (or just 121049)
  dicomhelp explain 99SHSAIRC              a coding scheme (registered, or private: 99...)
  dicomhelp explain DCM:113011 --in report.dcm   the code where the file uses it, with its value
  dicomhelp explain "CS (0040,a010) RelationshipType HAS CONCEPT MOD"   a line of `dump`
  dicomhelp explain UCUM:mm2               a unit in words
  dicomhelp explain CID 7469               a context group
  dicomhelp explain TID 1500               a template
  dicomhelp explain "Enhanced SR"          an IOD (or a module name)
  dicomhelp explain "ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning"
  dicomhelp explain --sources              where the answers come from

\b
Keywords are found in any letter case and by their PS3.6 name ("patient's name").
Exit codes: 0 explained; 1 --in FILE cannot be read; 2 unknown term (with the closest names) or no such FILE.
"""


@click.command(epilog=EPILOG)
@click.argument("term", nargs=-1)
@json_option
@click.option("--sources", is_flag=True, help="List the sources of the knowledge, with their versions.")
@click.option("--in", "in_file", metavar="FILE",
              help="Also explain the term where FILE uses it (SR content items, Coding Scheme Identification).")
def command(term: tuple[str, ...], as_json: bool, sources: bool, in_file: str | None) -> None:
    """Explain a DICOM term in plain words, with links to the standard."""
    from dicomhelp.errors import UsageError
    from dicomhelp.standard.explain import explain, render

    if sources:
        from dicomhelp.standard import knowledge

        found = knowledge().sources()
        if as_json:
            print_json([{"name": s.name, "version": s.version, "description": s.description} for s in found])
        else:
            for s in found:
                click.echo(f"{s.name} {s.version}: {s.description}")
        if not term:
            return
    if not term:
        raise UsageError("nothing to explain", hint="dicomhelp explain --help shows examples")
    answer = explain(" ".join(term), in_file=in_file)
    if as_json:
        print_json(answer)
    elif use_color():
        # rich only on a terminal: piped output stays plain and the import is not paid for.
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(styled(render(answer)))
    else:
        click.echo(render(answer))


def styled(text: str) -> str:
    """Rich markup for a rendered answer: the title in bold, labels in cyan, links dimmed."""
    from rich.markup import escape

    out = []
    for i, line in enumerate(text.splitlines()):
        if i == 0:
            out.append(f"[bold]{escape(line)}[/bold]")
        elif "https://" in line and line.startswith("  "):
            out.append(f"[dim]{escape(line)}[/dim]")
        elif not line.startswith(" ") and ":" in line:
            label, rest = line.split(":", 1)
            out.append(f"[cyan]{escape(label)}:[/cyan]{escape(rest)}")
        else:
            out.append(escape(line))
    return "\n".join(out)
