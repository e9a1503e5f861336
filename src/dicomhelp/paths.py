"""The element path syntax: one way to name any element in a dataset.

``ContentSequence[0].ConceptNameCodeSequence[0].CodeMeaning`` (0-based item
indexes, as in pydicom and DCMTK). A step is a keyword, a tag (``(0008,0104)``
or ``00080104``) or a private element named by its creator,
``(0029,"SIEMENS CSA HEADER",10)`` (group, creator, element byte in hex), so the
path survives a renumbered private block. ``[*]`` selects every item.

``dump --paths`` prints these, ``validate`` reports them and ``edit`` accepts
them; all go through :func:`parse`, :func:`format_path` and :func:`resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dicomhelp.errors import UsageError

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

WILDCARD = "*"

_TAG_RE = re.compile(r"^\(?\s*([0-9A-Fa-f]{4})\s*,\s*([0-9A-Fa-f]{4})\s*\)?$|^([0-9A-Fa-f]{8})$")
_PRIVATE_RE = re.compile(r'^\(\s*([0-9A-Fa-f]{4})\s*,\s*"([^"]*)"\s*,\s*([0-9A-Fa-f]{2})\s*\)$')
_INDEX_RE = re.compile(r"\[(\d+|\*)\]$")


@dataclass(frozen=True)
class Step:
    """One element name in a path, with an optional item index.

    ``tag`` is set for public elements and for private ones named by number;
    a private element named by creator has ``group``, ``creator`` and
    ``element_byte`` instead, resolved against each dataset it is applied to.
    ``index`` is an int, ``"*"`` or None.
    """

    tag: int | None = None
    group: int | None = None
    creator: str | None = None
    element_byte: int | None = None
    index: int | str | None = None

    @property
    def is_private_by_creator(self) -> bool:
        return self.creator is not None

    def tag_in(self, ds: Dataset) -> int | None:
        """The numeric tag of this step in ``ds`` (None when the private block is absent)."""
        if self.tag is not None:
            return self.tag
        assert self.group is not None and self.creator is not None and self.element_byte is not None
        try:
            block = ds.private_block(self.group, self.creator)
        except KeyError:
            return None
        return int(block.get_tag(self.element_byte))

    def text(self) -> str:
        if self.creator is not None:
            name = f'({self.group:04X},"{self.creator}",{self.element_byte:02X})'
        else:
            name = tag_name(self.tag)  # type: ignore[arg-type]
        if self.index is None:
            return name
        return f"{name}[{self.index}]"


def tag_name(tag: int) -> str:
    """Keyword for a public tag, else ``(gggg,eeee)``."""
    from pydicom.datadict import keyword_for_tag

    if (tag >> 16) % 2 == 0:
        keyword = keyword_for_tag(tag)
        if keyword:
            return keyword
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def parse_tag(text: str) -> int | None:
    """A tag in any common spelling (``(0008,0104)``, ``0008,0104``, ``00080104``), or None."""
    m = _TAG_RE.match(text.strip())
    if not m:
        return None
    if m.group(3):
        return int(m.group(3), 16)
    return (int(m.group(1), 16) << 16) | int(m.group(2), 16)


def _split(path: str) -> list[str]:
    """Split on dots outside parentheses and quotes (creators may contain dots)."""
    parts, buf, depth, quoted = [], [], 0, False
    for ch in path:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == "." and depth == 0 and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def parse(path: str) -> list[Step]:
    """Parse a path; raises :class:`UsageError` naming the bad step."""
    from pydicom.datadict import tag_for_keyword

    text = path.strip()
    if not text:
        raise UsageError("empty element path")
    steps: list[Step] = []
    for raw in _split(text):
        part = raw.strip()
        index: int | str | None = None
        m = _INDEX_RE.search(part)
        if m:
            index = WILDCARD if m.group(1) == WILDCARD else int(m.group(1))
            part = part[: m.start()].strip()
        if not part:
            raise UsageError(f"bad element path '{path}': empty step", hint="use Keyword[0].Keyword")
        pm = _PRIVATE_RE.match(part)
        if pm:
            group = int(pm.group(1), 16)
            if group % 2 == 0:
                raise UsageError(f"bad element path '{path}': group {group:04X} is not private (odd)")
            steps.append(Step(group=group, creator=pm.group(2), element_byte=int(pm.group(3), 16), index=index))
            continue
        tag = parse_tag(part)
        if tag is None:
            tag = tag_for_keyword(part)
        if tag is None:
            raise UsageError(
                f"unknown keyword '{part}' in element path '{path}'",
                hint=_did_you_mean(part) or "use a DICOM keyword or a tag like (0008,0104)",
            )
        steps.append(Step(tag=tag, index=index))
    return steps


def _did_you_mean(word: str) -> str | None:
    import difflib

    from pydicom.datadict import keyword_dict

    close = difflib.get_close_matches(word, keyword_dict.keys(), n=3, cutoff=0.75)
    return f"did you mean {', '.join(close)}?" if close else None


def format_path(steps: list[Step]) -> str:
    return ".".join(step.text() for step in steps)


def element_step(ds: Dataset, tag: int, index: int | None = None) -> Step:
    """The step naming ``tag`` in ``ds``: private data elements by their creator."""
    group, elem = tag >> 16, tag & 0xFFFF
    if group % 2 == 1 and elem >= 0x1000:
        creator_tag = (group << 16) | (elem >> 8)
        creator = ds.get(creator_tag)
        if creator is not None and creator.value:
            return Step(group=group, creator=str(creator.value).strip(), element_byte=elem & 0xFF, index=index)
    return Step(tag=tag, index=index)


@dataclass
class Match:
    """An element a path selects: its parent dataset, tag and concrete path."""

    path: str
    parent: Dataset
    tag: int
    steps: list[Step]

    @property
    def element(self) -> DataElement | None:
        return self.parent.get(self.tag) if self.tag in self.parent else None


def resolve(ds: Dataset, path: str | list[Step], *, create: bool = False) -> Iterator[Match]:
    """Yield every element ``path`` selects in ``ds``, with concrete indexes.

    The last step's element need not exist (so ``edit --set`` can add it);
    intermediate sequences and items must exist unless ``create`` is True, in
    which case missing sequences and the named item are appended.
    """
    steps = parse(path) if isinstance(path, str) else path
    yield from _resolve(ds, steps, [], create)


def _resolve(ds: Dataset, steps: list[Step], done: list[Step], create: bool) -> Iterator[Match]:
    step, rest = steps[0], steps[1:]
    tag = step.tag_in(ds)
    if tag is None:
        if not create:
            return
        assert step.group is not None and step.creator is not None and step.element_byte is not None
        block = ds.private_block(step.group, step.creator, create=True)
        tag = int(block.get_tag(step.element_byte))
    concrete = element_step(ds, tag)
    if not rest:
        if step.index is None:
            yield Match(format_path(done + [concrete]), ds, tag, done + [concrete])
        return
    if tag not in ds:
        if not create:
            return
        from pydicom.sequence import Sequence

        ds.add_new(tag, "SQ", Sequence())
    elem = ds[tag]
    if elem.VR != "SQ":
        # A path that walks into a non-sequence selects nothing: reading is lenient.
        return
    items = elem.value
    if step.index == WILDCARD:
        indexes = list(range(len(items)))
    else:
        idx = 0 if step.index is None else int(step.index)
        if idx >= len(items):
            if not create or idx > len(items):
                return
            from pydicom import Dataset as _Dataset

            items.append(_Dataset())
        indexes = [idx]
    for i in indexes:
        here = Step(tag=concrete.tag, group=concrete.group, creator=concrete.creator,
                    element_byte=concrete.element_byte, index=i)
        yield from _resolve(items[i], rest, done + [here], create)


def walk(ds: Dataset, prefix: list[Step] | None = None) -> Iterator[tuple[str, DataElement]]:
    """Every element of ``ds`` depth-first with its concrete path."""
    base = prefix or []
    for elem in ds:
        step = element_step(ds, int(elem.tag))
        here = base + [step]
        yield format_path(here), elem
        if elem.VR == "SQ" and elem.value is not None:
            for i, item in enumerate(elem.value):
                item_step = Step(tag=step.tag, group=step.group, creator=step.creator,
                                 element_byte=step.element_byte, index=i)
                yield from walk(item, base + [item_step])
