"""Validation: is this file correct, and exactly how do I fix it?

>>> from dicomhelp.validate import validate_file, validate_paths
>>> report = validate_file("CT.dcm")            # FileReport: findings, errors, warnings
>>> run = validate_paths(["study/"], as_set=True)  # RunReport over files and folders
>>> print(short_summary(run))

Rules yield :class:`~dicomhelp.validate.findings.Finding` objects; the
renderers in :mod:`dicomhelp.validate.report` print them one per line.
"""

from dicomhelp.validate.engine import ValidateOptions, validate_dataset, validate_file, validate_paths
from dicomhelp.validate.findings import Finding, Severity
from dicomhelp.validate.report import (
    FileReport,
    RunReport,
    finding_line,
    render_file,
    render_run,
    render_summary,
    short_summary,
)

__all__ = [
    "FileReport", "Finding", "RunReport", "Severity", "ValidateOptions", "finding_line", "render_file",
    "render_run", "render_summary", "short_summary", "validate_dataset", "validate_file", "validate_paths",
]
