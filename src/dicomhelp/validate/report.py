"""Reports: what the validator found in one file and in a run, and how to print it.

One finding per line: severity, where (keyword, tag, path, SR position), what
is wrong, why (rule, type, PS3.x section) and how to fix it. The same data as
JSON with ``to_dict``; :func:`render_summary` is the short text the tour and
``create results`` print after validating what they made.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dicomhelp.validate.findings import Finding, Severity


@dataclass
class FileReport:
    """The findings of one file, with what the file is."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    sop_class_uid: str | None = None
    sop_class_name: str | None = None
    iod: str | None = None
    seconds: float = 0.0
    # Identity and references of the instance, for --as-set (not printed).
    set_info: dict[str, Any] | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self.count(Severity.INFO)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "sop_class_uid": self.sop_class_uid,
            "sop_class": self.sop_class_name,
            "iod": self.iod,
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "infos": self.infos,
            "findings": [_finding_dict(f) for f in self.findings],
        }


def _finding_dict(f: Finding) -> dict[str, Any]:
    data = f.to_dict()
    data.pop("file", None)
    return data


@dataclass
class RunReport:
    """Every file of a run, plus what only a set of files can show."""

    files: list[FileReport] = field(default_factory=list)
    set_findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def all_findings(self) -> list[Finding]:
        out = [f for r in self.files for f in r.findings]
        return out + self.set_findings

    @property
    def errors(self) -> int:
        return sum(1 for f in self.all_findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.all_findings if f.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def by_rule(self) -> list[tuple[str, int, int]]:
        """(rule, errors, warnings) for each rule with an error or warning, most errors first."""
        errors: Counter[str] = Counter()
        warnings: Counter[str] = Counter()
        for f in self.all_findings:
            if f.severity is Severity.ERROR:
                errors[f.rule] += 1
            elif f.severity is Severity.WARNING:
                warnings[f.rule] += 1
        rules = set(errors) | set(warnings)
        return sorted(((r, errors[r], warnings[r]) for r in rules), key=lambda t: (-t[1], -t[2], t[0]))

    def summary_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "files_with_errors": sum(1 for r in self.files if not r.ok),
            "errors": self.errors,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "by_rule": [{"rule": r, "errors": e, "warnings": w} for r, e, w in self.by_rule()],
            "set_findings": [f.to_dict() for f in self.set_findings],
        }


def where(f: Finding) -> str:
    """``Keyword (gggg,eeee) at Seq[0].Keyword, SR 1.2`` with the parts that are known."""
    parts = []
    name = f.keyword or ""
    if f.tag_text:
        name = f"{name} {f.tag_text}".strip()
    if name:
        parts.append(name)
    if f.path and f.path != f.keyword:
        parts.append(f"at {f.path}")
    if f.sr_position:
        parts.append(f"SR item {f.sr_position}")
    return " ".join(parts)


def finding_line(f: Finding, *, with_file: bool = False) -> str:
    """One line: ``error  Modality (0008,0060): missing. [iod.type1-missing; Type 1 ...] fix: ...``."""
    head = f"{f.severity.value:<7} "
    if with_file and f.file:
        head += f"{f.file}: "
    loc = where(f)
    text = f"{head}{loc}: {f.message}" if loc else f"{head}{f.message}"
    why = f.rule if not f.reference else f"{f.rule}; {f.reference}"
    if f.source != "dicomhelp":
        why = f"{why}; from {f.source}"
    text += f" [{why}]"
    if f.fix:
        text += f" fix: {f.fix}"
    return text


def file_summary(report: FileReport) -> str:
    kind = report.sop_class_name or report.sop_class_uid or "unknown SOP class"
    verdict = "OK" if report.ok else "INVALID"
    return (
        f"{report.path}: {verdict} ({kind}): {report.errors} error(s), "
        f"{report.warnings} warning(s), {report.infos} info"
    )


def render_file(report: FileReport, *, show_info: bool = False) -> list[str]:
    lines = [file_summary(report)]
    for f in report.findings:
        if f.severity is Severity.INFO and not show_info:
            continue
        lines.append("  " + finding_line(f))
    return lines


def render_summary(run: RunReport) -> list[str]:
    """The per-run summary: files, errors, warnings by rule."""
    bad = sum(1 for r in run.files if not r.ok)
    lines = [
        f"{len(run.files)} file(s) checked: {len(run.files) - bad} without errors, {bad} with errors; "
        f"{run.errors} error(s), {run.warnings} warning(s) in total"
    ]
    rows = run.by_rule()
    if rows:
        width = max(len(r) for r, _, _ in rows)
        lines.append(f"  {'rule':<{width}}  errors  warnings")
        for rule, e, w in rows:
            lines.append(f"  {rule:<{width}}  {e:>6}  {w:>8}")
    return lines


def render_run(run: RunReport, *, show_info: bool = False) -> list[str]:
    lines: list[str] = []
    for r in run.files:
        lines.extend(render_file(r, show_info=show_info))
    if run.set_findings:
        lines.append(f"set of {len(run.files)} file(s):")
        for f in run.set_findings:
            lines.append("  " + finding_line(f, with_file=True))
    lines.extend(render_summary(run))
    return lines


def short_summary(run: RunReport) -> str:
    """One line for the tour and ``create results``: ``validated 7 files: 0 errors, 2 warnings``."""
    bad = [r.path for r in run.files if not r.ok]
    text = f"validated {len(run.files)} file(s): {run.errors} error(s), {run.warnings} warning(s)"
    if bad:
        text += f"; with errors: {', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}"
    return text
