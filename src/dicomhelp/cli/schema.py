"""``dicomhelp schema KIND``: the JSON Schema of a creation spec, for editors and CI checks."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import click

# kind -> "module:function" returning the schema; add one line per spec kind.
SCHEMAS: dict[str, str] = {
    "sr": "dicomhelp.create.sr.spec:sr_schema",
    "gsps": "dicomhelp.create.gsps:gsps_schema",
    "seg": "dicomhelp.create.seg:seg_schema",
    "kos": "dicomhelp.create.kos:kos_schema",
    "results": "dicomhelp.create.results:results_schema",
}


def register_schema(kind: str, target: str) -> None:
    SCHEMAS[kind] = target


def schema_function(kind: str) -> Callable[[], dict[str, Any]]:
    module, _, name = SCHEMAS[kind].partition(":")
    func: Callable[[], dict[str, Any]] = getattr(import_module(module), name)
    return func


EPILOG = """\b
Examples:
  dicomhelp schema sr > sr.schema.json
  # in VS Code (YAML extension), first line of a spec:
  # yaml-language-server: $schema=./sr.schema.json
"""


@click.command(epilog=EPILOG)
@click.argument("kind", type=click.Choice(sorted(SCHEMAS)))
def command(kind: str) -> None:
    """Print the JSON Schema of a creation spec (KIND: sr, ...)."""
    import json

    click.echo(json.dumps(schema_function(kind)(), indent=2, ensure_ascii=False))
