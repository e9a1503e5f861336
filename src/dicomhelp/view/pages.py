"""What each page shows, built from the CLI's own models (nothing re-implemented for the web).

- the element tree: :func:`dicomhelp.inspect.tree.build_tree` (what ``dump`` prints);
- the findings: :func:`dicomhelp.validate.validate_dataset` (what ``validate`` reports), placed on
  the element their path names;
- an element's explanation: :func:`dicomhelp.standard.explain.explain` (what ``explain`` answers),
  plus where the element sits in this file's IOD;
- an SR's content tree: :func:`dicomhelp.inspect.srview.sr_lines` (what ``sr`` prints), walked with
  :func:`dicomhelp.inspect.srtree.iter_content_items` for the images and regions it points at.

Every value from a file reaches HTML through Jinja2 with autoescape on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from dicomhelp.errors import DicomHelpError, UsageError
from dicomhelp.view.index import KIND_NOTES, Entry, FolderIndex

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.inspect.tree import Node
    from dicomhelp.io import DicomFile
    from dicomhelp.validate import Finding

CODE_KEYWORDS = ("CodeValue", "CodeMeaning", "CodingSchemeDesignator", "LongCodeValue", "URNCodeValue")
# Window presets a beginner knows from CT viewers (center, width in HU).
CT_PRESETS = (("lung", -600.0, 1500.0), ("soft tissue", 40.0, 400.0), ("bone", 400.0, 1800.0))
EXPORT_ALL_PRESETS_UP_TO = 16  # frames; a longer multi-frame export gets its default window only


@dataclass
class Row:
    """A node of the tree with what the page adds to it."""

    node: Node
    key: str  # the explanation's query: "tag=00100010&in=...&code=DCM:121049"
    findings: list[Finding]
    children: list[Row] = field(default_factory=list)

    @property
    def xid(self) -> str:
        return explanation_id(self.key)


@dataclass
class Preset:
    label: str
    center: float | None
    width: float | None


@dataclass
class ImageView:
    """An image (or the image a GSPS, SR region or SEG is shown on) and its controls."""

    entry: Entry  # the image
    frames: int
    frame: int = 1
    colour: bool = False
    center: float | None = None
    width: float | None = None
    low: float = 0.0
    high: float = 255.0
    presets: list[Preset] = field(default_factory=list)
    ps: Entry | None = None  # the presentation state applied
    layers: list[dict[str, Any]] = field(default_factory=list)  # name, colour (#rrggbb), description, index
    region: dict[str, Any] | None = None  # sr entry, position, label, frame
    segments: list[dict[str, Any]] = field(default_factory=list)  # seg entry, number, label, colour
    error: str | None = None


@dataclass
class SRItem:
    line: Any  # dicomhelp.inspect.srview.SRLine
    concept_key: str | None
    value_key: str | None
    image: Entry | None = None  # the image an IMAGE item points at (when under the root)
    frames: str = ""
    region_image: Entry | None = None  # the image a SCOORD was selected from
    missing: str | None = None  # a referenced instance that is not under the root


@dataclass
class InstancePage:
    entry: Entry
    index: FolderIndex
    dfile: DicomFile | None
    rows: list[Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    loose_findings: list[Finding] = field(default_factory=list)  # about elements not in the tree (missing)
    counts: dict[str, int] = field(default_factory=dict)
    iod_name: str | None = None
    note: str = ""
    image: ImageView | None = None
    sr_items: list[SRItem] = field(default_factory=list)
    sr_header: str = ""
    gsps_images: list[Entry] = field(default_factory=list)
    referring: dict[str, list[Entry]] = field(default_factory=dict)
    seg_sources: list[Entry] = field(default_factory=list)
    error: str | None = None

    def keys(self) -> list[str]:
        """Every explanation the page can ask for (the export embeds them)."""
        out: dict[str, None] = {}

        def walk(rows: list[Row]) -> None:
            for row in rows:
                out[row.key] = None
                walk(row.children)

        walk(self.rows)
        for item in self.sr_items:
            for key in (item.concept_key, item.value_key):
                if key:
                    out[key] = None
        return list(out)


def explanation_id(key: str) -> str:
    return "x" + hashlib.sha1(key.encode()).hexdigest()[:12]


# ---------------------------------------------------------------------------
# The instance page


def instance_page(index: FolderIndex, entry: Entry, *, frame: int = 1, ps: Entry | None = None,
                  region: tuple[Entry, str] | None = None) -> InstancePage:
    from dicomhelp.io import quiet_pydicom

    page = InstancePage(entry=entry, index=index, dfile=None, note=KIND_NOTES.get(entry.kind, ""))
    if entry.kind == "unreadable":
        page.error = entry.error
        return page
    with quiet_pydicom():
        try:
            from dicomhelp.io import read_file

            page.dfile = read_file(index.path_of(entry))
        except DicomHelpError as exc:
            page.error = exc.message
            return page
        _fill(page, frame, ps, region)
    return page


def _fill(page: InstancePage, frame: int, ps: Entry | None, region: tuple[Entry, str] | None) -> None:
    from dicomhelp.inspect.tree import build_tree
    from dicomhelp.validate import validate_dataset

    assert page.dfile is not None
    entry, index, ds = page.entry, page.index, page.dfile.dataset
    report = validate_dataset(page.dfile)
    page.findings = report.findings
    page.counts = {"error": report.errors, "warning": report.warnings, "info": report.infos}
    page.iod_name = _iod_name(entry.sop_class)
    tree = build_tree(page.dfile)
    by_path: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path or "", []).append(finding)
    page.rows = [_row(node, (), None, by_path) for node in tree.nodes]
    shown = {row.node.path for row in _all_rows(page.rows)}
    page.loose_findings = [f for f in report.findings if (f.path or "") not in shown]
    for kind in ("gsps", "sr", "seg"):
        found = index.referring(entry, kind)
        if found:
            page.referring[kind] = found
    if entry.kind == "image":
        page.image = image_view(index, entry, ds, frame=frame, ps=ps, region=region)
    elif entry.kind == "gsps":
        page.gsps_images = [e for e in (index.by_uid(uid) for uid in entry.references) if e and e.kind == "image"]
        if page.gsps_images:
            target = _gsps_first_image(ds, page.gsps_images)
            page.image = image_view(index, target, None, frame=frame, ps=entry)
    elif entry.kind == "sr":
        _fill_sr(page, ds)
    elif entry.kind == "seg":
        page.seg_sources = [e for e in (index.by_uid(uid) for uid in entry.references) if e and e.kind == "image"]
        if page.seg_sources:
            page.image = image_view(index, page.seg_sources[0], None, frame=frame, seg=entry)


def _all_rows(rows: list[Row]) -> list[Row]:
    out = []
    for row in rows:
        out.append(row)
        out.extend(_all_rows(row.children))
    return out


def _row(node: Node, within: tuple[str, ...], code: str | None, by_path: dict[str, list[Finding]]) -> Row:
    key = element_key(node, within, code)
    row = Row(node, key, by_path.get(node.path, []))
    if node.kind == "sequence":
        inner = (*within, node.keyword)
        for item in node.children:
            item_code = _code_of(item)
            item_row = Row(item, element_key(node, within, None), by_path.get(item.path, []))
            item_row.children = [_row(child, inner, item_code, by_path) for child in item.children]
            row.children.append(item_row)
    return row


def _code_of(item: Node) -> str | None:
    """``SCHEME:VALUE`` of a code sequence item (its rows explain the code too)."""
    values = {child.keyword: child.value for child in item.children if child.kind == "element"}
    value = values.get("CodeValue") or values.get("LongCodeValue") or values.get("URNCodeValue")
    scheme = values.get("CodingSchemeDesignator")
    return f"{scheme}:{value}" if value and scheme else None


def element_key(node: Node, within: tuple[str, ...], code: str | None) -> str:
    query: dict[str, str] = {}
    if node.tag is not None:
        query["tag"] = f"{node.tag:08X}"
    if node.private_creator and node.tag is not None and node.tag & 0xFFFF >= 0x1000:
        query["private"] = f'({node.tag >> 16:04X},"{node.private_creator}",{node.tag & 0xFF:02X})'
    if within:
        query["in"] = ".".join(within)
    if code and node.keyword in CODE_KEYWORDS:
        query["code"] = code
    return urlencode(query)


def _iod_name(sop_class: str) -> str | None:
    try:
        from dicomhelp.standard import knowledge

        iod = knowledge().iod_for_sop_class(sop_class) if sop_class else None
    except Exception:  # noqa: BLE001 - without the knowledge layer the page still works
        return None
    return iod.name if iod is not None else None


# ---------------------------------------------------------------------------
# Images


def image_view(index: FolderIndex, entry: Entry, ds: Dataset | None, *, frame: int = 1, ps: Entry | None = None,
               region: tuple[Entry, str] | None = None, seg: Entry | None = None) -> ImageView:
    from dicomhelp.display.pipeline import default_window, value_range
    from dicomhelp.io import read_file

    view = ImageView(entry=entry, frames=max(entry.frames, 1), colour=entry.colour, ps=ps)
    view.frame = min(max(frame, 1), view.frames)
    if ds is None:
        ds = read_file(index.path_of(entry)).dataset
    if entry.damaged:
        view.error = "the file is damaged: its pixel data may not be shown"
    if not entry.colour:
        view.low, view.high = value_range(ds)
        ps_ds = read_file(index.path_of(ps)).dataset if ps is not None else None
        try:
            view.center, view.width, low, high = window_of(ds, ps_ds, index.path_of(entry), view.frame)
            # The sliders span what this frame holds (and the window), not all 65536 stored values.
            margin = max((high - low) * 0.25, 16.0)
            view.low = max(view.low, min(low - margin, view.center - view.width / 2))
            view.high = min(view.high, max(high + margin, view.center + view.width / 2))
        except DicomHelpError as exc:
            view.error = exc.message
            view.center, view.width = default_window(ds)
        view.presets = presets_for(ds, view.center, view.width, view.low, view.high)
        if ps_ds is not None:
            view.layers = layers_of(ps_ds)
    else:
        view.presets = [Preset("as stored (colour: no window applies)", None, None)]
    if region is not None:
        view.region = region_of(index, region[0], region[1], entry)
        if view.region and view.region.get("frame"):
            view.frame = min(max(int(view.region["frame"]), 1), view.frames)
    segs = [seg] if seg is not None else index.referring(entry, "seg")
    for one in segs:
        view.segments.extend(segments_of(index, one))
    return view


def window_of(image: Dataset, ps: Dataset | None, source: Any, frame: int) -> tuple[float, float, float, float]:
    """(center, width, lowest, highest value of the frame): where the window controls start and end.

    The state's or the image's window when there is one, else the frame's full range.
    """
    from dicomhelp.display.pipeline import _voi_item, default_window, frame_pixels, modality

    values = modality(frame_pixels(image, frame, source=source), image, ps)
    low, high = float(values.min()), float(values.max())
    item = _voi_item(ps, image, frame)
    if item is not None and "WindowCenter" in item and "WindowWidth" in item:
        center, width = default_window(item)
    else:
        center, width = (low + high + 1) / 2, max(high - low + 1, 1.0)
    return center, width, low, high


def _multi(ds: Dataset, keyword: str) -> list[Any]:
    from pydicom.multival import MultiValue

    value = ds.get(keyword)
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (MultiValue, list, tuple)) else [value]


def presets_for(ds: Dataset, center: float | None, width: float | None, low: float, high: float) -> list[Preset]:
    """The window choices: the file's own VOI first (no override), its other windows, full range, CT's classics."""
    own = "WindowCenter" in ds or "VOILUTSequence" in ds
    presets = [Preset("as the file says" if own else "default (full range of the frame)", None, None)]
    centers, widths = _multi(ds, "WindowCenter"), _multi(ds, "WindowWidth")
    names = _multi(ds, "WindowCenterWidthExplanation")
    for i, (c, w) in enumerate(zip(centers[1:], widths[1:]), start=1):
        try:
            presets.append(Preset(str(names[i]) if len(names) > i else f"window {i + 1} of the file", float(c),
                                  float(w)))
        except (TypeError, ValueError):
            continue
    presets.append(Preset("every value (full range)", (low + high + 1) / 2, max(high - low + 1, 1.0)))
    if str(ds.get("Modality", "")) == "CT":
        presets.extend(Preset(f"CT {name}", c, w) for name, c, w in CT_PRESETS)
    return presets


def layers_of(ps: Dataset) -> list[dict[str, Any]]:
    from dicomhelp.display.draw import layer_colours

    colours = layer_colours(ps)
    out = []
    for i, item in enumerate(sorted(ps.get("GraphicLayerSequence", []), key=lambda it: int(
            it.get("GraphicLayerOrder", 0) or 0))):
        name = str(item.GraphicLayer)
        r, g, b = colours.get(name, (255, 255, 0))
        out.append({"index": i, "name": name, "colour": f"#{r:02x}{g:02x}{b:02x}",
                    "description": str(item.get("GraphicLayerDescription", "") or "")})
    return out


def _gsps_first_image(ps: Dataset, images: list[Entry]) -> Entry:
    """The image the state annotates in particular, else the first it presents (as ``render`` picks)."""
    uids = {e.sop_instance for e in images}
    counts: dict[str, int] = {}
    for item in ps.get("GraphicAnnotationSequence", []):
        refs = item.get("ReferencedImageSequence", [])
        if len(refs) < len(uids):
            for ref in refs:
                counts[str(ref.ReferencedSOPInstanceUID)] = counts.get(str(ref.ReferencedSOPInstanceUID), 0) + 1
    particular = [e for e in images if e.sop_instance in counts]
    return sorted(particular or images, key=lambda e: e.rel)[0]


# ---------------------------------------------------------------------------
# Structured Reports


def _fill_sr(page: InstancePage, ds: Dataset) -> None:
    from dicomhelp.inspect.srtree import iter_content_items
    from dicomhelp.inspect.srview import sr_header, sr_lines

    page.sr_header = sr_header(ds)
    refs = list(iter_content_items(ds))
    for line, ref in zip(sr_lines(ds), refs):
        item = ref.item
        sr = SRItem(line, _code_key(item, "ConceptNameCodeSequence"), _code_key(item, "ConceptCodeSequence"))
        vt = line.value_type.upper()
        if vt in ("IMAGE", "COMPOSITE", "WAVEFORM"):
            uid, sr.frames = _referenced(item)
            sr.image = page.index.by_uid(uid) if uid else None
            if uid and sr.image is None:
                sr.missing = uid
        elif vt == "SCOORD":
            for child in _children(item):
                if str(child.get("ValueType", "")) == "IMAGE":
                    uid, _frames = _referenced(child)
                    sr.region_image = page.index.by_uid(uid) if uid else None
                    if uid and sr.region_image is None:
                        sr.missing = uid
                    break
        page.sr_items.append(sr)


def _children(item: Dataset) -> list[Dataset]:
    try:
        return list(item.get("ContentSequence") or [])
    except Exception:  # noqa: BLE001
        return []


def _referenced(item: Dataset) -> tuple[str, str]:
    try:
        ref = item.ReferencedSOPSequence[0]
        frames = ref.get("ReferencedFrameNumber")
        text = "" if frames is None else ",".join(str(f) for f in (frames if not isinstance(frames, (int, str))
                                                                  else [frames]))
        return str(ref.ReferencedSOPInstanceUID), text
    except Exception:  # noqa: BLE001 - a malformed reference links nowhere
        return "", ""


def _code_key(item: Dataset, keyword: str) -> str | None:
    try:
        code = item.get(keyword)
        code = code[0] if code else None
    except Exception:  # noqa: BLE001
        return None
    if code is None:
        return None
    value = code.get("CodeValue") or code.get("LongCodeValue") or code.get("URNCodeValue")
    scheme = code.get("CodingSchemeDesignator")
    return urlencode({"code": f"{scheme}:{value}"}) if value and scheme else None


def region_of(index: FolderIndex, sr: Entry, position: str, image: Entry) -> dict[str, Any] | None:
    """The SCOORD at ``position`` of the SR ``sr``, if it was selected from ``image``."""
    found = scoord(index, sr, position)
    if found is None:
        return None
    item, label = found
    uid, frames = "", ""
    for child in _children(item):
        if str(child.get("ValueType", "")) == "IMAGE":
            uid, frames = _referenced(child)
    if uid != image.sop_instance:
        return None
    first = frames.split(",")[0] if frames else ""
    return {"sr": sr, "position": position, "label": label, "graphic_type": str(item.get("GraphicType", "")),
            "frame": int(first) if first.isdigit() else None}


def scoord(index: FolderIndex, sr: Entry, position: str) -> tuple[Dataset, str] | None:
    from dicomhelp.inspect.srtree import position_index
    from dicomhelp.io import read_file

    ds = read_file(index.path_of(sr)).dataset
    ref = position_index(ds).get(position)
    if ref is None or str(ref.item.get("ValueType", "")) != "SCOORD":
        return None
    label = ""
    try:
        label = str(ref.item.ConceptNameCodeSequence[0].CodeMeaning)
    except (AttributeError, IndexError):
        pass
    return ref.item, label


# ---------------------------------------------------------------------------
# Segmentations


def segments_of(index: FolderIndex, seg: Entry) -> list[dict[str, Any]]:
    from dicomhelp.display.segment import segment_colour
    from dicomhelp.io import read_file

    try:
        ds = read_file(index.path_of(seg)).dataset
    except DicomHelpError:
        return []
    out = []
    for item in ds.get("SegmentSequence", []):
        number = int(item.get("SegmentNumber", 0) or 0)
        r, g, b = segment_colour(item, number)
        out.append({"seg": seg, "number": number, "label": str(item.get("SegmentLabel", "") or f"segment {number}"),
                    "colour": f"#{r:02x}{g:02x}{b:02x}"})
    return out


# ---------------------------------------------------------------------------
# Explanations


@dataclass(frozen=True, eq=False)
class Explanation:
    key: str
    answer: dict[str, Any] | None  # explain()'s answer for the element
    code: dict[str, Any] | None  # explain()'s answer for the code in the item
    in_iod: list[dict[str, Any]]  # where the element sits in this file's IOD
    iod_name: str | None
    problem: str | None = None

    @property
    def id(self) -> str:
        return explanation_id(self.key)


def explanation(key: str, sop_class: str = "") -> Explanation:
    return _explanation(key, sop_class)


@lru_cache(maxsize=4096)
def _explanation(key: str, sop_class: str) -> Explanation:
    query = dict(parse_qsl(key))
    answer, code, problem = None, None, None
    term = query.get("private") or (f"({query['tag'][:4]},{query['tag'][4:]})" if "tag" in query else "")
    if term:
        answer, problem = _explain(term)
    if query.get("code"):
        code, code_problem = _explain(query["code"])
        if code is None and code_problem:
            code = {"kind": "unknown-code", "term": query["code"], "problem": code_problem}
    in_iod: list[dict[str, Any]] = []
    iod_name = None
    if "tag" in query and sop_class:
        iod_name, in_iod = _in_iod(int(query["tag"], 16), sop_class, tuple(filter(None, query.get("in", "").split("."))))
    return Explanation(key, answer, code, in_iod, iod_name, problem)


@lru_cache(maxsize=4096)
def _explain(term: str) -> tuple[dict[str, Any] | None, str | None]:
    """``explain(term)`` once per term (many elements of a page share a tag or a code)."""
    from dicomhelp.standard.explain import explain

    try:
        return explain(term), None
    except UsageError as exc:
        return None, exc.message + (f" ({exc.hint})" if exc.hint else "")
    except Exception as exc:  # noqa: BLE001 - the knowledge layer missing: the page still works
        return None, f"the standard knowledge layer cannot answer: {exc}"


def _in_iod(tag: int, sop_class: str, within: tuple[str, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """The modules of this file's IOD that hold the element at this place, with its type there."""
    try:
        from dicomhelp.standard import knowledge

        k = knowledge()
        iod = k.iod_for_sop_class(sop_class)
        if iod is None:
            return None, []
        usage = {m.module_id: m for m in iod.modules}
        uses = [u for u in k.attribute_uses(tag) if u.module_id in usage]
    except Exception:  # noqa: BLE001
        return None, []
    exact = [u for u in uses if tuple(u.path) == within]
    out = []
    for use in exact or ([] if within else uses):
        module = usage[use.module_id]
        out.append({"module": module.name, "usage": module.usage, "module_condition": module.condition,
                    "path": list(use.path), "type": use.type if use.type not in (None, "", "None") else None,
                    "condition": use.condition})
    return iod.name, out


TYPE_WORDS = {
    "1": "required, must have a value", "1C": "required under a condition, must have a value",
    "2": "required, may be empty", "2C": "required under a condition, may be empty", "3": "optional",
}
USAGE_WORDS = {"M": "mandatory", "C": "conditional", "U": "user option"}
