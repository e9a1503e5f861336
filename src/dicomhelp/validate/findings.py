"""The finding: one thing wrong (or worth knowing) about a file.

Every check — the IOD and value rules, the SR template rules, the presentation
state rules, set consistency, and dciodvfy's merged output — yields these, so
one renderer serves them all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """What is wrong, where, why and how to fix it.

    ``rule`` is a stable identifier (``iod.type1-missing``,
    ``sr.tid1204.language-missing``) that tests and allow-lists refer to;
    ``path`` is the element path as ``dump --paths`` prints it and
    ``sr_position`` the content item's 1-based position (``1.2.3``).
    """

    severity: Severity
    rule: str
    message: str
    path: str | None = None
    tag: int | None = None
    keyword: str | None = None
    sr_position: str | None = None
    reference: str | None = None
    fix: str | None = None
    source: str = "dicomhelp"
    file: str | None = None

    @property
    def tag_text(self) -> str | None:
        return None if self.tag is None else f"({self.tag >> 16:04X},{self.tag & 0xFFFF:04X})"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["tag"] = self.tag_text
        return {k: v for k, v in data.items() if v is not None}


def error(rule: str, message: str, **where: Any) -> Finding:
    return Finding(Severity.ERROR, rule, message, **where)


def warning(rule: str, message: str, **where: Any) -> Finding:
    return Finding(Severity.WARNING, rule, message, **where)


def info(rule: str, message: str, **where: Any) -> Finding:
    return Finding(Severity.INFO, rule, message, **where)
