"""The tree model of a dataset: what ``dump``, ``--json`` and the SR view walk.

A :class:`Node` is one line of a dump: an element, a sequence, an item of a
sequence, or the summary of the pixel data (which is never loaded). Each node
knows its element path (:mod:`dicomhelp.paths` syntax) and, for content items
of a Structured Report, its SR position (``1.2.3``).

Building the tree never raises on bad values: an element whose value cannot be
decoded becomes a node with ``problem`` set and its raw bytes as value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydicom import Dataset
from pydicom.dataelem import RawDataElement
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.values import convert_value

from dicomhelp.paths import element_step

# pydicom is imported at module level here (unlike the CLI modules): this module is
# only loaded to show a dataset, and the per-element hot path must not re-import.

if TYPE_CHECKING:
    from pydicom.dataelem import DataElement

    from dicomhelp.io import DicomFile, PixelDataInfo

CONTENT_SEQUENCE = 0x0040A730
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN", "OB or OW", "US or OW", "ox"})
HEX_PREVIEW_BYTES = 16


@dataclass(slots=True)
class Node:
    """One line of the tree."""

    kind: str  # "element" | "sequence" | "item" | "pixel"
    depth: int  # nesting level: 0 for top-level elements; an item has its sequence's depth
    path: str  # element path; for an item the sequence path with its index
    tag: int | None = None
    vr: str = ""
    keyword: str = ""  # what the dump prints in the keyword column
    name: str = ""  # the dictionary name ("Patient's Name", private names in brackets)
    value: str = ""
    private_creator: str | None = None
    index: int | None = None  # 0-based index of an item in its sequence
    count: int = 0  # number of items of a sequence / in the item's sequence
    sr_position: str | None = None  # for items of a ContentSequence
    problem: str | None = None
    is_meta: bool = False
    children: list[Node] = field(default_factory=list)

    @property
    def tag_text(self) -> str:
        """The tag as the seed prints it: ``(0040, a730)``."""
        if self.tag is None:
            return ""
        return f"({self.tag >> 16:04x}, {self.tag & 0xFFFF:04x})"

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Tree:
    """The nodes of one dataset (file meta first), with the file's problems."""

    nodes: list[Node]
    problems: list[str] = field(default_factory=list)
    source: str | None = None

    def walk(self) -> Iterator[Node]:
        for node in self.nodes:
            yield from node.walk()


def build_tree(
    source: DicomFile | Dataset,
    *,
    meta: bool = True,
    private: bool = True,
) -> Tree:
    """The tree of a file read by :func:`dicomhelp.io.read_file`, or of a dataset."""
    if isinstance(source, Dataset):
        ds, pixel, problems, name = source, None, [], None
    else:
        ds, pixel, problems, name = source.dataset, source.pixel, list(source.problems), source.name
    nodes: list[Node] = []
    file_meta = getattr(ds, "file_meta", None)
    if meta and file_meta is not None and len(file_meta):
        for node in _dataset_nodes(file_meta, 0, "", None, private):
            node.is_meta = True
            nodes.append(node)
    body = _dataset_nodes(ds, 0, "", _root_position(ds), private)
    if pixel is not None:
        body.append(pixel_node(ds, pixel, file_meta))
        body.sort(key=lambda n: n.tag if n.tag is not None else 0)
    nodes.extend(body)
    return Tree(nodes=nodes, problems=problems, source=name)


def _root_position(ds: Dataset) -> str | None:
    """The document root of an SR is position 1; other datasets have none."""
    return "1" if CONTENT_SEQUENCE in ds else None


def _dataset_nodes(ds: Dataset, depth: int, prefix: str, sr_position: str | None, private: bool) -> list[Node]:
    nodes = []
    charset = _charset(ds)
    tags = [int(t) for t in ds.keys()]
    creators = _private_creators(ds, tags, charset) if any((t >> 16) % 2 for t in tags) else {}
    for tag in tags:
        if not private and (tag >> 16) % 2 == 1:
            continue
        nodes.append(_element_node(ds, tag, depth, prefix, sr_position, private, charset, creators))
    return nodes


def _private_creators(ds: Dataset, tags: list[int], charset: Any) -> dict[int, str]:
    """Block (gggg00xx) -> creator name, read once per dataset instead of once per element."""
    creators = {}
    for tag in tags:
        if (tag >> 16) % 2 and 0x0010 <= tag & 0xFFFF <= 0x00FF:
            try:
                fast = _fast_value(ds, tag, charset)
                value = fast[1] if fast is not None else ds[tag].value
            except Exception:
                continue
            if isinstance(value, (list, tuple)):
                value = value[0] if value else ""
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            if value:
                creators[tag] = str(value).strip()
    return creators


def _charset(ds: Dataset) -> Any:
    """The encodings pydicom would decode this dataset's text with (inherited by items)."""
    try:
        return ds.original_character_set or ds._character_set
    except Exception:
        return None


def _fast_value(ds: Dataset, tag: int, charset: Any) -> tuple[str, Any] | None:
    """(VR, value) converted straight from the raw element, or None to take pydicom's full path.

    ``ds[tag]`` validates, builds and stores a DataElement and looks up the
    character set again for every element: 5x the cost of the conversion. The
    dump only needs the value, so plain explicit-VR elements are converted
    directly; implicit, ambiguous, sequence, UN and deferred elements still go
    through pydicom.
    """
    raw = _raw(ds, tag)
    if not isinstance(raw, RawDataElement):
        return None
    vr = raw.VR
    if vr is None or vr in _SLOW_VRS or (raw.value is None and raw.length):
        return None
    if vr in _PLAIN_TEXT_VRS and isinstance(raw.value, bytes):
        # ASCII-only VRs: no character set, no objects; the dump prints the text as it is.
        parts = [part.strip(" \0") for part in raw.value.decode("ascii", "replace").split("\\")]
        if vr in _NUMBER_PATTERNS and not all(_NUMBER_PATTERNS[vr].match(part) for part in parts if part):
            return None  # an invalid number: let pydicom decide what it is (and flag it)
        return str(vr), parts if len(parts) > 1 else parts[0]
    if tag == 0x00080005:
        charset = None
    return str(vr), convert_value(vr, raw, charset)


_PLAIN_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI"})
_NUMBER_PATTERNS = {
    "IS": re.compile(r"^[+-]?\d+$"),
    "DS": re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"),
}


def _raw(ds: Dataset, tag: int) -> Any:
    """The element as stored, never converted (``get_item`` converts deferred elements)."""
    store = getattr(ds, "_dict", None)  # pydicom's element store, pinned pydicom 3.0
    if store is not None:
        return store.get(tag)
    try:
        return ds.get_item(tag)
    except Exception:
        return None


_SLOW_VRS = frozenset({"SQ", "UN", "US or SS", "US or OW", "US or SS or OW", "OB or OW", "OW or OB", "xs", "ox", "lt"})


def _element_node(ds: Dataset, tag: int, depth: int, prefix: str, sr_position: str | None, private: bool,
                  charset: Any = None, creators: dict[int, str] | None = None) -> Node:
    keyword = _public_keyword(tag)
    creator = None
    if not keyword and creators is not None and (tag >> 16) % 2 and tag & 0xFFFF >= 0x1000:
        creator = creators.get((tag & 0xFFFF0000) | ((tag & 0xFF00) >> 8))
    if keyword:
        step = keyword
    elif creator:  # the paths module's private step, without looking the creator up again
        step = f'({tag >> 16:04X},"{creator}",{tag & 0xFF:02X})'
    else:
        step = element_step(ds, tag).text()
    path = f"{prefix}.{step}" if prefix else step
    node = Node(kind="element", depth=depth, path=path, tag=tag)
    try:
        fast = _fast_value(ds, tag, charset)
        if fast is None:
            elem = ds[tag]
            vr, value = str(elem.VR or "??"), elem.value
        else:
            vr, value = fast
    except Exception as exc:  # a value pydicom cannot convert: show the raw bytes
        raw = _raw(ds, tag)
        node.vr = str(getattr(raw, "VR", None) or "??")
        node.keyword, node.name = _names(ds, tag, node)
        raw_value = getattr(raw, "value", b"")
        node.value = bytes_text(raw_value) if isinstance(raw_value, (bytes, bytearray)) else str(raw_value)
        node.problem = f"value cannot be decoded as {node.vr}: {_short(exc)}"
        return node
    node.vr = vr
    if creator:
        node.private_creator = creator
        name = _private_name(tag & 0xFFFF00FF, creator)
        node.keyword, node.name = f"[{creator}] {name}", name
    else:
        node.keyword, node.name = _names(ds, tag, node)
    if node.vr == "SQ":
        node.kind = "sequence"
        items = value or []
        node.count = len(items)
        for i, item in enumerate(items):
            node.children.append(_item_node(item, i, node, path, sr_position, private))
        return node
    if fast is None and node.vr in ("IS", "DS") and _has_text_number(value):
        # pydicom keeps a number it cannot parse as the raw string: say so.
        node.problem = f"not a valid {node.vr} value"
    try:
        node.value = value_text_of(node.vr, value)
    except Exception as exc:
        node.value = repr(value)[:200]
        node.problem = f"value cannot be shown: {_short(exc)}"
    return node


@lru_cache(maxsize=8192)
def _public_keyword(tag: int) -> str:
    from pydicom.datadict import keyword_for_tag

    return keyword_for_tag(tag) if (tag >> 16) % 2 == 0 else ""


def _item_node(item: Any, index: int, seq: Node, seq_path: str, parent_position: str | None, private: bool) -> Node:
    position = None
    if seq.tag == CONTENT_SEQUENCE and parent_position is not None:
        position = f"{parent_position}.{index + 1}"
    path = f"{seq_path}[{index}]"
    node = Node(kind="item", depth=seq.depth, path=path, index=index, count=seq.count,
                sr_position=position, tag=0xFFFEE000)
    if isinstance(item, Dataset):
        try:
            node.children = _dataset_nodes(item, seq.depth + 1, path, position, private)
        except RecursionError:
            node.problem = "nested too deeply to show"
    else:
        node.problem = f"item is not a dataset ({type(item).__name__})"
    return node


def _has_text_number(value: Any) -> bool:
    values = value if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue" else [value]
    return any(type(v) is str and v.strip() for v in values)


def _names(ds: Dataset, tag: int, node: Node) -> tuple[str, str]:
    """(keyword column, dictionary name) for public, private creator and private elements."""
    group, elem = tag >> 16, tag & 0xFFFF
    if group % 2 == 0:
        return _public_names(tag)
    if elem == 0:
        return "PrivateGroupLength", "Private Group Length"
    if 0x0010 <= elem <= 0x00FF:
        return "PrivateCreator", "Private Creator"
    creator_elem = ds.get((group << 16) | (elem >> 8)) if elem >= 0x1000 else None
    creator = str(creator_elem.value).strip() if creator_elem is not None and creator_elem.value else None
    node.private_creator = creator
    if creator is None:
        return "[no creator] private data", "Private data without a creator"
    name = _private_name(tag & 0xFFFF00FF, creator)
    return f"[{creator}] {name}", name


@lru_cache(maxsize=8192)
def _public_names(tag: int) -> tuple[str, str]:
    from pydicom.datadict import dictionary_description, keyword_for_tag

    keyword = keyword_for_tag(tag)
    try:
        name = dictionary_description(tag)
    except KeyError:
        name = ""
    if not keyword:
        keyword = "GroupLength" if tag & 0xFFFF == 0 else "UnknownElement"
    return keyword, name


@lru_cache(maxsize=8192)
def _private_name(tag: int, creator: str) -> str:
    from pydicom.datadict import private_dictionary_description

    try:
        return str(private_dictionary_description(tag, creator))
    except KeyError:
        return "private data"


def value_text(elem: DataElement) -> str:
    """A value as one line of text, decoded with the dataset's character set."""
    return value_text_of(str(elem.VR), elem.value)


def value_text_of(vr: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes_text(bytes(value))
    if vr == "AT":
        tags = value if isinstance(value, (list, MultiValue)) else [value]
        return "\\".join(f"({int(BaseTag(t)) >> 16:04x},{int(BaseTag(t)) & 0xFFFF:04x})" for t in tags)
    if isinstance(value, (list, tuple, MultiValue)):
        text = "\\".join(_one(v) for v in value)
    else:
        text = _one(value)
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _one(value: Any) -> str:
    if type(value) is float:  # FL/FD; DS and IS keep their original string form
        return repr(value)
    return str(value)


def bytes_text(data: bytes) -> str:
    """Binary values: the first bytes in hex and the length."""
    head = " ".join(f"{b:02x}" for b in data[:HEX_PREVIEW_BYTES])
    more = " ..." if len(data) > HEX_PREVIEW_BYTES else ""
    return f"{head}{more} ({len(data)} bytes)" if data else "(0 bytes)"


def pixel_node(ds: Dataset, pixel: PixelDataInfo, file_meta: Any) -> Node:
    """The one-line summary that stands for the pixel data, which is not loaded."""
    from pydicom.datadict import keyword_for_tag

    keyword = keyword_for_tag(pixel.tag) or "PixelData"
    return Node(kind="pixel", depth=0, path=keyword, tag=pixel.tag, vr=pixel.vr, keyword=keyword,
                name="Pixel Data", value=pixel_summary(ds, pixel, file_meta))


def pixel_summary(ds: Dataset, pixel: PixelDataInfo, file_meta: Any = None) -> str:
    def get(keyword: str) -> Any:
        try:
            return ds.get(keyword)
        except Exception:
            return None

    rows, cols = get("Rows"), get("Columns")
    frames = get("NumberOfFrames") or 1
    parts = [f"{rows if rows is not None else '?'} x {cols if cols is not None else '?'} x {frames} "
             f"frame{'s' if str(frames) != '1' else ''}"]
    bits = get("BitsAllocated")
    if bits is not None:
        stored = get("BitsStored")
        parts.append(f"{bits} bits allocated" + (f" ({stored} stored)" if stored not in (None, bits) else ""))
    samples = get("SamplesPerPixel")
    photometric = get("PhotometricInterpretation")
    if photometric:
        parts.append(str(photometric) + (f" ({samples} samples)" if samples not in (None, 1) else ""))
    ts = getattr(file_meta, "TransferSyntaxUID", None) if file_meta is not None else None
    if ts:
        parts.append(_uid_name(str(ts)))
    if pixel.encapsulated:
        parts.append(f"encapsulated: {pixel.fragments} fragment{'s' if pixel.fragments != 1 else ''}, "
                     f"{pixel.length} bytes")
    else:
        parts.append(f"{pixel.length} bytes")
    segments = segmentation_summary(ds)
    return ", ".join(parts) + " (not loaded)" + (f"; {segments}" if segments else "")


def segmentation_summary(ds: Dataset) -> str | None:
    """A SEG's segments and the frames each has, from the header: ``BINARY SEG: 1 'Nodule' 2 frames, ...``."""
    try:
        segments = ds.get("SegmentSequence")
        if not segments:
            return None
        counts: dict[int, int] = {}
        shared = (ds.get("SharedFunctionalGroupsSequence") or [None])[0]
        if shared is not None and shared.get("SegmentIdentificationSequence"):
            # One segment for every frame (highdicom writes it so for a single segment).
            number = int(shared.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
            counts[number] = int(ds.get("NumberOfFrames") or 1)
        for group in ds.get("PerFrameFunctionalGroupsSequence") or []:
            ident = group.get("SegmentIdentificationSequence")
            if ident:
                number = int(ident[0].ReferencedSegmentNumber)
                counts[number] = counts.get(number, 0) + 1
        shown = []
        for item in segments:
            number = int(item.get("SegmentNumber") or 0)
            frames = counts.get(number, 0)
            shown.append(f"{number} '{item.get('SegmentLabel', '')}' {frames} frame{'s' if frames != 1 else ''}")
        kind = ds.get("SegmentationType") or "?"
        return f"{kind} SEG, {len(shown)} segment{'s' if len(shown) != 1 else ''}: " + ", ".join(shown)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None  # a damaged SEG header: the dump shows the elements anyway


def _uid_name(uid: str) -> str:
    from pydicom.uid import UID

    name = UID(uid).name
    return name if name and name != uid else uid


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


# ---------------------------------------------------------------------------
# Tree transforms used by the renderers.


def filter_tree(nodes: list[Node], pattern: str) -> list[Node]:
    """Keep nodes whose keyword, name or tag contains ``pattern``, with the path to them.

    A matching node keeps its whole subtree, so ``--filter ConceptName`` shows
    the codes inside each concept name. Tags match in any spelling:
    ``0040,a730``, ``(0040,A730)`` or ``0040A730``.
    """
    needle = pattern.lower().strip()
    hexed = "".join(ch for ch in needle if ch in "0123456789abcdef")
    tag_like = len(hexed) >= 4 and all(ch in "0123456789abcdef(), " for ch in needle)

    def matches(node: Node) -> bool:
        if node.kind == "item":
            return False
        if needle in node.keyword.lower() or (node.name and needle in node.name.lower()):
            return True
        return tag_like and node.tag is not None and hexed in f"{node.tag:08x}"

    def keep(node: Node) -> Node | None:
        if matches(node):
            return node
        kids = [k for k in (keep(c) for c in node.children) if k is not None]
        if not kids:
            return None
        return replace(node, children=kids)

    return [k for k in (keep(n) for n in nodes) if k is not None]
