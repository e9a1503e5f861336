"""Errors every command maps onto the README's exit-code table.

Raise these with a message that names the file (or spec path) and says what to
do; the CLI prints exactly one line per error and never a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INPUT = 1  # the input has problems: unreadable files, validation errors
EXIT_USAGE = 2  # bad option, bad spec, missing file
EXIT_INTERNAL = 3  # a bug in dicomhelp: please report it


class DicomHelpError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None):
        self.message = message
        self.source = source
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.source}: {self.message}" if self.source else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class InputError(DicomHelpError):
    """The input file or data is unreadable or invalid (exit 1)."""

    exit_code = EXIT_INPUT


class UsageError(DicomHelpError):
    """A bad option, spec, path or missing file (exit 2)."""

    exit_code = EXIT_USAGE


class SpecError(UsageError):
    """A creation spec is invalid; ``source`` is the spec path, e.g. ``groups[2].measurements[0].unit``."""
