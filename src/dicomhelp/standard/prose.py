"""The optional prose of the standard from the PyPI ``dicom-standard`` package.

That package (Innolitics, 2020 snapshot of PS3.3/PS3.6/PS3.15) installs its JSON
under ``<prefix>/standard``, outside site-packages, so we locate it through the
package's installed-file records: that works for venv, ``--user`` and pipx
installs alike. Nothing of its text is copied into this repository; it is read
here, at index build time, from the installed package.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

DIST = "dicom-standard"

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_TERMS = re.compile(r"<strong>\s*(Enumerated Values|Defined Terms)[^<]*</strong>.*?<dl>(.*?)</dl>", re.S)
_DT = re.compile(r"<dt>\s*(?:<span>)?(.*?)(?:</span>)?\s*</dt>", re.S)


def locate() -> Path | None:
    """The folder holding the package's JSON files, or None when it is not installed."""
    from importlib import metadata

    try:
        files = metadata.files(DIST)
    except metadata.PackageNotFoundError:
        return None
    for record in files or ():
        if record.name == "module_to_attributes.json" and record.parent.name == "standard":
            path = Path(str(record.locate())).resolve()
            if path.exists():
                return path.parent
    return None


def version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version(DIST)
    except metadata.PackageNotFoundError:
        return None


def load(folder: Path, name: str) -> Any:
    with open(folder / name, encoding="utf-8") as fh:
        return json.load(fh)


def plain(fragment: str | None) -> str:
    """HTML of the standard as one line of plain text."""
    if not fragment:
        return ""
    text = _TAG.sub(" ", fragment)
    text = html.unescape(text).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text).strip()
    return re.sub(r"\s+([.,;:)])", r"\1", text).replace("( ", "(")


def terms(fragment: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """Enumerated values and defined terms listed in a description's HTML."""
    enumerated: list[str] = []
    defined: list[str] = []
    for m in _TERMS.finditer(fragment or ""):
        values = [plain(v) for v in _DT.findall(m.group(2))]
        (enumerated if m.group(1).startswith("Enumerated") else defined).extend(v for v in values if v)
    return (tuple(dict.fromkeys(enumerated)) or None, tuple(dict.fromkeys(defined)) or None)


def condition(text: str) -> str | None:
    """The 'Required if ...' sentences of a 1C/2C description (and what follows them)."""
    sentences = re.split(r"(?<=\.)\s+(?=[A-Z])", text)
    picked: list[str] = []
    for sentence in sentences:
        if sentence.startswith(("Required", "Shall be present", "Shall not be present")) or (
            picked and sentence.startswith(("May be present", "Otherwise", "Shall not be present"))
        ):
            picked.append(sentence)
        elif picked:
            break
    return " ".join(picked) or None


def first_sentence(text: str | None, limit: int = 160) -> str | None:
    if not text:
        return None
    sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rstrip() + "…"
    return sentence
