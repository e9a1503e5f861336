"""TID 1500 Measurement Report template checks (PS3.16), beyond what the IOD and dciodvfy see.

Covers TID 1500 and what it includes: 1204 (language), 1001-1004 (observer
context), 1600-1602 (image library), 1501 / 1410 / 1411 (measurement groups),
1502 (time point), 1419 / 300 (measurements), 310-312 (measurement
properties, left to the generic rules), 4019 (algorithm), 4108 (tracking).
Checks rows present, value and relationship types, cardinality, the binding
value sets (hand-coded from PS3.16: pydicom does not say which are binding),
units on measurements, coding schemes, and that every image the content
refers to is listed in the evidence. Each finding names its rule
(``sr.tid1204.language-missing``), the SR position and the element path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dicomhelp.validate.findings import Finding, error, info, warning

if TYPE_CHECKING:
    from pydicom import Dataset

Concept = tuple[str, str]

REPORT_TITLE: Concept = ("126000", "DCM")
LANGUAGE: Concept = ("121049", "DCM")
COUNTRY: Concept = ("121046", "DCM")
OBSERVER_TYPE: Concept = ("121005", "DCM")
PERSON: Concept = ("121006", "DCM")
DEVICE: Concept = ("121007", "DCM")
PERSON_NAME: Concept = ("121008", "DCM")
DEVICE_UID: Concept = ("121012", "DCM")
PERSON_ITEMS = {PERSON_NAME, ("128774", "DCM"), ("121009", "DCM"), ("121010", "DCM"), ("121011", "DCM")}
DEVICE_ITEMS = {DEVICE_UID, ("121013", "DCM"), ("121014", "DCM"), ("121015", "DCM"), ("121016", "DCM"),
                ("121017", "DCM"), ("113876", "DCM")}
SUBJECT_CLASS: Concept = ("121024", "DCM")
PROCEDURE_REPORTED: Concept = ("121058", "DCM")
IMAGE_LIBRARY: Concept = ("111028", "DCM")
IMAGE_LIBRARY_GROUP: Concept = ("126200", "DCM")
IMAGING_MEASUREMENTS: Concept = ("126010", "DCM")
DERIVED_MEASUREMENTS: Concept = ("126011", "DCM")
QUALITATIVE_EVALUATIONS: Concept = ("C0034375", "UMLS")
MEASUREMENT_GROUP: Concept = ("125007", "DCM")
TRACKING_ID: Concept = ("112039", "DCM")
TRACKING_UID: Concept = ("112040", "DCM")
SESSION: Concept = ("C67447", "NCIt")
FINDING: Concept = ("121071", "DCM")
FINDING_CATEGORY: Concept = ("276214006", "SCT")
FINDING_SITE: Concept = ("363698007", "SCT")
LATERALITY: Concept = ("272741003", "SCT")
ALGORITHM_NAME: Concept = ("111001", "DCM")
ALGORITHM_VERSION: Concept = ("111003", "DCM")
ALGORITHM_PARAMETERS: Concept = ("111002", "DCM")
TIME_POINT_ITEMS = {("C2348792", "UMLS"), ("126072", "DCM"), ("126073", "DCM"), ("126070", "DCM"),
                    ("126071", "DCM"), ("128740", "DCM")}
IMAGE_REGION: Concept = ("111030", "DCM")
VOLUME_SURFACE: Concept = ("121231", "DCM")
REAL_WORLD_VALUE_MAP: Concept = ("126100", "DCM")

# Binding value sets (PS3.16 "DCID" = defined: values shall be taken from it).
OBSERVER_TYPES = {PERSON, DEVICE}  # DCID 270 Observer Type
LATERALITIES = {("24028007", "SCT"), ("7771000", "SCT"), ("51440002", "SCT"), ("66459002", "SCT")}  # DCID 244
LANGUAGE_SCHEMES = {"RFC5646", "ISO639_1", "ISO639_2", "IETF4646", "RFC3066"}  # DCID 5000
ROI_GRAPHIC_TYPES = {"POINT", "POLYLINE", "CIRCLE", "ELLIPSE"}  # TID 1410/1411 region constraints
GROUP_TEMPLATES = {"1501", "1410", "1411"}

# The rows the checks hard-code: (TID, concept) -> (relationship with the parent, value type), from
# PS3.16 (2024). tests/sr/test_sr_templates.py compares them with the knowledge layer's TID tables.
# TID 4019 has no relationship of its own: the including row (HAS CONCEPT MOD in 1501/1410/1411/300) gives it.
ROWS: dict[tuple[int, Concept], tuple[str, str]] = {
    (1500, PROCEDURE_REPORTED): ("HAS CONCEPT MOD", "CODE"),
    (1500, IMAGING_MEASUREMENTS): ("CONTAINS", "CONTAINER"),
    (1600, IMAGE_LIBRARY): ("CONTAINS", "CONTAINER"),
    (1204, LANGUAGE): ("HAS CONCEPT MOD", "CODE"),
    (1204, COUNTRY): ("HAS CONCEPT MOD", "CODE"),
    (1002, OBSERVER_TYPE): ("HAS OBS CONTEXT", "CODE"),
    (1003, PERSON_NAME): ("HAS OBS CONTEXT", "PNAME"),
    (1004, DEVICE_UID): ("HAS OBS CONTEXT", "UIDREF"),
    (4108, TRACKING_ID): ("HAS OBS CONTEXT", "TEXT"),
    (4108, TRACKING_UID): ("HAS OBS CONTEXT", "UIDREF"),
    (1501, SESSION): ("HAS OBS CONTEXT", "TEXT"),
    (1501, FINDING): ("CONTAINS", "CODE"),
    (1501, FINDING_CATEGORY): ("CONTAINS", "CODE"),
    (1501, FINDING_SITE): ("HAS CONCEPT MOD", "CODE"),
    (1501, LATERALITY): ("HAS CONCEPT MOD", "CODE"),
    (1410, IMAGE_REGION): ("CONTAINS", "SCOORD"),
    (1411, IMAGE_REGION): ("CONTAINS", "SCOORD"),
    (1411, VOLUME_SURFACE): ("CONTAINS", "SCOORD3D"),
    (1502, ("C2348792", "UMLS")): ("HAS OBS CONTEXT", "TEXT"),
    (300, FINDING_SITE): ("HAS CONCEPT MOD", "CODE"),
    (300, ("121401", "DCM")): ("HAS CONCEPT MOD", "CODE"),
    (300, ("370129005", "SCT")): ("HAS CONCEPT MOD", "CODE"),
    (4019, ALGORITHM_NAME): ("HAS CONCEPT MOD", "TEXT"),
    (4019, ALGORITHM_VERSION): ("HAS CONCEPT MOD", "TEXT"),
    (4019, ALGORITHM_PARAMETERS): ("HAS CONCEPT MOD", "TEXT"),
}


def _ref(tid: int | str) -> str:
    return f"PS3.16 TID {tid}"


def _first_code(seq: Any) -> Concept | None:
    """(value, scheme) of a code sequence's item, whichever of the three value attributes it uses."""
    if not seq:
        return None
    c = seq[0]
    value = c.get("CodeValue") or c.get("LongCodeValue") or c.get("URNCodeValue")
    return (str(value), str(c.get("CodingSchemeDesignator", ""))) if value else None


@dataclass
class Node:
    item: Any
    position: str
    path: str
    children: list[Node] = field(default_factory=list)

    @property
    def concept(self) -> Concept | None:
        return _first_code(self.item.get("ConceptNameCodeSequence"))

    @property
    def vt(self) -> str:
        return str(self.item.get("ValueType", ""))

    @property
    def rel(self) -> str:
        return str(self.item.get("RelationshipType", ""))

    @property
    def meaning(self) -> str:
        seq = self.item.get("ConceptNameCodeSequence")
        return str(seq[0].get("CodeMeaning", "")) if seq else "(no concept name)"

    @property
    def code_value(self) -> Concept | None:
        return _first_code(self.item.get("ConceptCodeSequence"))

    @property
    def template(self) -> str | None:
        seq = self.item.get("ContentTemplateSequence")
        return str(seq[0].get("TemplateIdentifier", "")) if seq else None

    def with_concept(self, concept: Concept) -> list[Node]:
        return [c for c in self.children if c.concept == concept]


def _tree(ds: Dataset) -> Node:
    """The content tree with SR positions and element paths (the shared walker when available)."""
    try:
        from dicomhelp.inspect.srtree import iter_content_items
    except ImportError:
        return _own_tree(ds, "1", "")
    nodes: dict[str, Node] = {}
    root: Node | None = None
    for ref in iter_content_items(ds):
        node = Node(ref.item, ref.position, ref.path)
        nodes[ref.position] = node
        if ref.parent_position is None:
            root = node
        elif ref.parent_position in nodes:
            nodes[ref.parent_position].children.append(node)
    return root if root is not None else Node(ds, "1", "")


def _own_tree(item: Any, position: str, path: str) -> Node:
    node = Node(item, position, path)
    for i, child in enumerate(item.get("ContentSequence") or []):
        child_path = f"{path}.ContentSequence[{i}]" if path else f"ContentSequence[{i}]"
        node.children.append(_own_tree(child, f"{position}.{i + 1}", child_path))
    return node


def is_tid1500(ds: Dataset) -> bool:
    templates = [str(t.get("TemplateIdentifier", "")) for t in ds.get("ContentTemplateSequence") or []]
    title = ds.get("ConceptNameCodeSequence")
    return "1500" in templates or bool(title) and str(title[0].get("CodeValue", "")) == REPORT_TITLE[0] and \
        str(title[0].get("CodingSchemeDesignator", "")) == REPORT_TITLE[1]


def check_sr_templates(ds: Dataset) -> Iterator[Finding]:
    """Findings for a TID 1500 report; nothing for other SR documents."""
    if "ContentSequence" not in ds or not is_tid1500(ds):
        return
    checker = _Checker(ds)
    yield from checker.run()


class _Checker:
    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.root = _tree(ds)
        self.evidence = _evidence_uids(ds)
        self.declared = {str(i.get("CodingSchemeDesignator", "")) for i in ds.get("CodingSchemeIdentificationSequence") or []}

    # ----------------------------------------------------------- helpers

    def err(self, rule: str, message: str, node: Node, tid: int | str, fix: str | None = None) -> Finding:
        return error(rule, message, sr_position=node.position, path=node.path or None, reference=_ref(tid), fix=fix)

    def warn(self, rule: str, message: str, node: Node, tid: int | str, fix: str | None = None) -> Finding:
        return warning(rule, message, sr_position=node.position, path=node.path or None, reference=_ref(tid), fix=fix)

    def expect(self, node: Node, rel: str, vt: str | tuple[str, ...], tid: int | str, rule_prefix: str) -> Iterator[Finding]:
        types = (vt,) if isinstance(vt, str) else vt
        if node.rel != rel:
            yield self.err(f"{rule_prefix}.relationship", f"'{node.meaning}' must be related by {rel}, not "
                           f"{node.rel or '(none)'}", node, tid, fix=f"set RelationshipType to {rel}")
        if node.vt not in types:
            yield self.err(f"{rule_prefix}.value-type", f"'{node.meaning}' must be a {' or '.join(types)} item, not "
                           f"{node.vt or '(none)'}", node, tid)

    def row(self, node: Node, tid: int, concept: Concept, rule_tid: int | str | None = None) -> Iterator[Finding]:
        """Relationship and value type of ``node`` as row (tid, concept) of :data:`ROWS` says."""
        rel, vt = ROWS[(tid, concept)]
        yield from self.expect(node, rel, vt, rule_tid or tid, f"sr.tid{rule_tid or tid}")

    def cardinality(self, parent: Node, concept: Concept, name: str, tid: int | str, rule: str, *,
                    required: bool, many: bool = False, fix: str | None = None) -> Iterator[Finding]:
        found = parent.with_concept(concept)
        if required and not found:
            yield self.err(f"{rule}-missing", f"{name} is missing (required by {_ref(tid)})", parent, tid, fix=fix)
        if not many and len(found) > 1:
            yield self.err(f"{rule}-repeated", f"{name} appears {len(found)} times; at most once", found[1], tid)

    # ----------------------------------------------------------- TID 1500

    def run(self) -> Iterator[Finding]:
        root = self.root
        if root.vt and root.vt != "CONTAINER":
            yield self.err("sr.tid1500.root-value-type", "the root of a TID 1500 report is a CONTAINER", root, 1500)
        yield from self.language(root)
        yield from self.observers(root.children, root, 1500)
        yield from self.cardinality(root, PROCEDURE_REPORTED, "Procedure Reported", 1500,
                                    "sr.tid1500.procedure-reported", required=True, many=True,
                                    fix="add a HAS CONCEPT MOD CODE (121058, DCM, \"Procedure reported\")")
        for node in root.with_concept(PROCEDURE_REPORTED):
            yield from self.row(node, 1500, PROCEDURE_REPORTED)
        yield from self.cardinality(root, IMAGE_LIBRARY, "Image Library", 1500, "sr.tid1600.library", required=False)
        for node in root.with_concept(IMAGE_LIBRARY):
            yield from self.image_library(node)
        content = [c for c in root.children if c.concept in (IMAGING_MEASUREMENTS, DERIVED_MEASUREMENTS,
                                                               QUALITATIVE_EVALUATIONS)]
        if not content:
            yield self.err("sr.tid1500.content-missing", "the report has no Imaging Measurements, Derived Imaging "
                           "Measurements or Qualitative Evaluations container (one is required)", root, 1500)
        yield from self.cardinality(root, IMAGING_MEASUREMENTS, "Imaging Measurements", 1500,
                                    "sr.tid1500.imaging-measurements", required=False)
        for node in root.with_concept(IMAGING_MEASUREMENTS):
            yield from self.row(node, 1500, IMAGING_MEASUREMENTS)
            for child in node.children:
                if child.concept == MEASUREMENT_GROUP:
                    yield from self.group(child)
                elif child.vt == "CONTAINER":
                    yield self.warn("sr.tid1500.unexpected-item", f"'{child.meaning}' in Imaging Measurements is not "
                                    "a Measurement Group (125007, DCM)", child, 1500)
        yield from self.codes(root)

    def language(self, root: Node) -> Iterator[Finding]:
        found = root.with_concept(LANGUAGE)
        if not found:
            yield self.err("sr.tid1204.language-missing", "the Language of Content Item and Descendants item "
                           "(TID 1204, mandatory in TID 1500) is missing", root, 1204,
                           fix="add a HAS CONCEPT MOD CODE (121049, DCM) with e.g. (en-US, RFC5646, "
                           "\"English (United States)\") as the root's first child")
            return
        if len(found) > 1:
            yield self.err("sr.tid1204.language-repeated", "the Language item appears more than once", found[1], 1204)
        node = found[0]
        yield from self.row(node, 1204, LANGUAGE)
        value = node.code_value
        if value is not None and value[1] not in LANGUAGE_SCHEMES:
            yield self.warn("sr.tid1204.language-scheme", f"the language is coded in {value[1]}, not RFC 5646 "
                            "(CID 5000)", node, 1204, fix="use an RFC5646 tag such as en-US")
        for child in node.children:
            if child.concept == COUNTRY:
                yield from self.row(child, 1204, COUNTRY)

    # ----------------------------------------------------------- TID 1001-1004

    def observers(self, items: list[Node], parent: Node, tid: int | str) -> Iterator[Finding]:
        kind: Concept | None = None
        seen_device_uid = False
        observer_nodes = [n for n in items if n.concept in ({OBSERVER_TYPE} | PERSON_ITEMS | DEVICE_ITEMS)]
        if not observer_nodes and parent is self.root:
            yield self.warn("sr.tid1001.observer-missing", "no observer context: the report does not say who or "
                            "what made the observations (TID 1001)", parent, 1001,
                            fix="add a person (TID 1003) or device (TID 1004) observer")
        current_type_node: Node | None = None
        for node in items:
            concept = node.concept
            if concept == OBSERVER_TYPE:
                if kind == DEVICE and not seen_device_uid and current_type_node is not None:
                    yield self.err("sr.tid1004.device-uid-missing", "a device observer has no Device Observer UID",
                                   current_type_node, 1004)
                yield from self.row(node, 1002, OBSERVER_TYPE)
                kind = node.code_value
                current_type_node = node
                seen_device_uid = False
                if kind not in OBSERVER_TYPES:
                    yield self.err("sr.tid1002.observer-type", f"Observer Type {kind} is not Person (121006, DCM) "
                                   "or Device (121007, DCM) (DCID 270)", node, 1002)
            elif concept in PERSON_ITEMS or concept in DEVICE_ITEMS:
                tid_n = 1003 if concept in PERSON_ITEMS else 1004
                if node.rel != "HAS OBS CONTEXT":
                    yield self.err(f"sr.tid{tid_n}.relationship", f"'{node.meaning}' must be related by HAS OBS "
                                   f"CONTEXT, not {node.rel or '(none)'}", node, tid_n)
                if concept == DEVICE_UID:
                    seen_device_uid = True
                    if node.vt != "UIDREF":
                        yield self.err("sr.tid1004.value-type", "Device Observer UID must be a UIDREF item", node, 1004)
                if concept in DEVICE_ITEMS and kind != DEVICE:
                    yield self.err("sr.tid1002.observer-type-missing", f"'{node.meaning}' describes a device, but no "
                                   "Observer Type = Device item precedes it", node, 1002)
                if concept == PERSON_NAME and node.vt != "PNAME":
                    yield self.err("sr.tid1003.value-type", "Person Observer Name must be a PNAME item", node, 1003)
        if kind == DEVICE and not seen_device_uid and current_type_node is not None:
            yield self.err("sr.tid1004.device-uid-missing", "a device observer has no Device Observer UID",
                           current_type_node, 1004, fix="add HAS OBS CONTEXT UIDREF (121012, DCM)")
        if kind == PERSON and current_type_node is not None:
            after = items[items.index(current_type_node):]
            if not any(n.concept == PERSON_NAME for n in after):
                yield self.err("sr.tid1003.person-name-missing", "a person observer has no Person Observer Name",
                               current_type_node, 1003)

    # ----------------------------------------------------------- TID 1600-1602

    def image_library(self, node: Node) -> Iterator[Finding]:
        yield from self.row(node, 1600, IMAGE_LIBRARY)
        for group in node.children:
            if group.concept == IMAGE_LIBRARY_GROUP:
                yield from self.expect(group, "CONTAINS", "CONTAINER", 1600, "sr.tid1600")
                entries = group.children
            else:
                entries = [group]
            for entry in entries:
                if entry.vt == "IMAGE":
                    if entry.rel != "CONTAINS":
                        yield self.err("sr.tid1601.relationship", "an Image Library entry is related by CONTAINS",
                                       entry, 1601)
                    yield from self.image_in_evidence(entry, 1601)
                    for descriptor in entry.children:
                        if descriptor.rel != "HAS ACQ CONTEXT":
                            yield self.err("sr.tid1602.relationship", f"image descriptor '{descriptor.meaning}' must "
                                           "be related by HAS ACQ CONTEXT", descriptor, 1602)

    # ----------------------------------------------------------- TID 1501 / 1410 / 1411

    def group(self, node: Node) -> Iterator[Finding]:
        template = node.template
        regions = [c for c in node.children if c.concept == IMAGE_REGION and c.vt in ("SCOORD", "SCOORD3D")]
        surfaces = [c for c in node.children if c.concept == VOLUME_SURFACE]
        if template not in GROUP_TEMPLATES:
            template = "1411" if surfaces or len(regions) > 1 else "1410" if regions else "1501"
        tid = int(template)
        yield from self.expect(node, "CONTAINS", "CONTAINER", tid, f"sr.tid{tid}")
        yield from self.cardinality(node, TRACKING_ID, "Tracking Identifier", 4108, "sr.tid4108.tracking-id",
                                    required=True, fix="add HAS OBS CONTEXT TEXT (112039, DCM)")
        yield from self.cardinality(node, TRACKING_UID, "Tracking Unique Identifier", 4108, "sr.tid4108.tracking-uid",
                                    required=True, fix="add HAS OBS CONTEXT UIDREF (112040, DCM)")
        for child in node.children:
            yield from self.group_child(child, tid)
        yield from self.observers(node.children, node, tid)
        measurements = [c for c in node.children if c.vt == "NUM"]
        # A CODE "Finding" may be row 6 or a row 8 evaluation: either way the group says something.
        evaluations = [c for c in node.children if c.rel == "CONTAINS" and c.vt in ("CODE", "TEXT")]
        if tid == 1501:
            if regions or surfaces:
                yield self.err("sr.tid1501.region", "a TID 1501 (image-level) group has no image region: use "
                               "TID 1410 or 1411 for regions", (regions + surfaces)[0], 1501)
            if not measurements and not evaluations:
                yield self.err("sr.tid1501.content-missing", "the group has neither measurements nor qualitative "
                               "evaluations (at least one of rows 7 and 8)", node, 1501)
            if not self.evidence:
                yield self.err("sr.tid1501.evidence-missing", "an image-level group is about images, but the "
                               "document lists no evidence (Current Requested Procedure Evidence Sequence)", node,
                               1501, fix="list the images the report is about in the evidence sequences")
        elif tid == 1410:
            if len(regions) + len(surfaces) == 0 and not self._has_other_roi(node):
                yield self.err("sr.tid1410.region-missing", "a planar ROI group has no Image Region", node, 1410)
            if len(regions) > 1:
                yield self.err("sr.tid1410.region-repeated", "a planar ROI group has exactly one Image Region",
                               regions[1], 1410, fix="use TID 1411 for several regions")
        elif tid == 1411:
            if not regions and not surfaces and not self._has_other_roi(node):
                yield self.err("sr.tid1411.region-missing", "a volumetric ROI group has no Image Region or "
                               "Volume Surface", node, 1411)
        for region in regions:
            yield from self.region(region, tid)
        for surface in surfaces:
            if surface.vt != "SCOORD3D":
                yield self.err("sr.tid1411.value-type", "a Volume Surface is a SCOORD3D item", surface, 1411)
            elif str(surface.item.get("GraphicType", "")) == "MULTIPOINT":
                yield self.err("sr.tid1411.graphic-type", "MULTIPOINT is not a valid Volume Surface", surface, 1411)

    def _has_other_roi(self, node: Node) -> bool:
        # Referenced Segment / Segmentation Frame / Region In Space: ROI forms this checker does not model.
        return any(c.vt in ("IMAGE", "COMPOSITE") and c.concept not in (("260753009", "SCT"), ("121112", "DCM"))
                   for c in node.children)

    def group_child(self, child: Node, tid: int) -> Iterator[Finding]:
        concept = child.concept
        if concept in (TRACKING_ID, TRACKING_UID):
            yield from self.row(child, 4108, concept)
        elif concept == SESSION:
            yield from self.row(child, 1501, SESSION, tid)
        elif concept in TIME_POINT_ITEMS:
            if child.rel != "HAS OBS CONTEXT":
                yield self.err("sr.tid1502.relationship", f"'{child.meaning}' must be related by HAS OBS CONTEXT",
                               child, 1502)
        elif concept == FINDING_CATEGORY:
            # Added by CP-2176; highdicom writes CONTAINS (like Finding, Row 3b) and the knowledge layer says so.
            # PixelMed's 2022 tables predate it and the standard's row could not be read: HAS CONCEPT MOD stays accepted.
            if child.rel not in ("CONTAINS", "HAS CONCEPT MOD"):
                yield self.err(f"sr.tid{tid}.relationship", f"'{child.meaning}' must be related by CONTAINS, not "
                               f"{child.rel or '(none)'}", child, tid)
            if child.vt != "CODE":
                yield self.err(f"sr.tid{tid}.value-type", "Finding category is a CODE item", child, tid)
        elif concept == FINDING:
            if child.vt == "CODE":
                yield from self.row(child, 1501, FINDING, tid)
        elif concept == FINDING_SITE:
            yield from self.finding_site(child, tid)
        elif concept in (ALGORITHM_NAME, ALGORITHM_VERSION, ALGORITHM_PARAMETERS):
            yield from self.row(child, 4019, concept)
        elif child.vt == "NUM":
            yield from self.measurement(child, tid)
        elif child.vt == "IMAGE" and child.rel == "CONTAINS":
            yield from self.image_in_evidence(child, tid)
        if concept == ALGORITHM_NAME:
            yield from self._algorithm_version(child)

    def _algorithm_version(self, name_node: Node) -> Iterator[Finding]:
        parent = self._parent_of(name_node)
        if parent is not None and not parent.with_concept(ALGORITHM_VERSION):
            yield self.err("sr.tid4019.version-missing", "Algorithm Name without Algorithm Version", name_node, 4019,
                           fix="add HAS CONCEPT MOD TEXT (111003, DCM, \"Algorithm Version\")")

    def _parent_of(self, node: Node) -> Node | None:
        parent_pos = node.position.rsplit(".", 1)[0]
        stack = [self.root]
        while stack:
            current = stack.pop()
            if current.position == parent_pos:
                return current
            if parent_pos.startswith(current.position):
                stack.extend(current.children)
        return None

    def finding_site(self, node: Node, tid: int | str) -> Iterator[Finding]:
        yield from self.row(node, 1501, FINDING_SITE, tid)
        for child in node.children:
            if child.concept == LATERALITY:
                yield from self.row(child, 1501, LATERALITY, tid)
                value = child.code_value
                if value is not None and value not in LATERALITIES:
                    yield self.err("sr.cid244.laterality", f"laterality {value} is not in DCID 244 Laterality "
                                   "(Right, Left, Right and left, Unilateral)", child, tid)

    def measurement(self, node: Node, tid: int) -> Iterator[Finding]:
        measurement_tid = 1419 if tid in (1410, 1411) else 300
        yield from self.expect(node, "CONTAINS", "NUM", tid, f"sr.tid{tid}")
        values = node.item.get("MeasuredValueSequence")
        if not values:
            if not node.item.get("NumericValueQualifierCodeSequence"):
                yield self.err("sr.tid300.value-missing", f"measurement '{node.meaning}' has neither a value nor a "
                               "Numeric Value Qualifier", node, 300)
        else:
            units = values[0].get("MeasurementUnitsCodeSequence")
            if not units:
                yield self.err("sr.tid300.unit-missing", f"measurement '{node.meaning}' has no unit", node, 300,
                               fix="add MeasurementUnitsCodeSequence with a UCUM code, e.g. (mm, UCUM, \"mm\")")
            else:
                scheme = str(units[0].get("CodingSchemeDesignator", ""))
                if scheme != "UCUM":
                    yield self.err("sr.tid300.unit-scheme", f"the unit of '{node.meaning}' is coded in {scheme}, "
                                   "not UCUM", node, 300)
                else:
                    from dicomhelp.create.sr import ucum

                    value = str(units[0].get("CodeValue", ""))
                    if value not in ucum.short_list() and not ucum.is_valid(value):
                        yield self.err("sr.tid300.unit-invalid", f"'{value}' is not a valid UCUM unit", node, 300)
        for child in node.children:
            concept = child.concept
            if concept in (TRACKING_ID, TRACKING_UID):
                if child.rel not in ("HAS OBS CONTEXT", "HAS CONCEPT MOD"):
                    yield self.err("sr.tid300.relationship", f"'{child.meaning}' under a measurement must be HAS OBS "
                                   "CONTEXT", child, 300)
            elif concept == FINDING_SITE:
                yield from self.finding_site(child, measurement_tid)
            elif concept in (ALGORITHM_NAME, ALGORITHM_VERSION, ALGORITHM_PARAMETERS):
                yield from self.row(child, 4019, concept)
                if concept == ALGORITHM_NAME:
                    yield from self._algorithm_version(child)
            elif child.vt == "IMAGE":
                if child.rel != "INFERRED FROM":
                    yield self.err("sr.tid300.relationship", "a measurement's source image is related by INFERRED "
                                   "FROM", child, 300)
                yield from self.image_in_evidence(child, 300)
            elif child.vt == "CODE" and child.rel not in ("HAS CONCEPT MOD", "HAS PROPERTIES", "INFERRED FROM",
                                                          "HAS OBS CONTEXT"):
                yield self.err("sr.tid300.relationship", f"'{child.meaning}' under a measurement is a modifier "
                               f"(HAS CONCEPT MOD), not {child.rel}", child, 300)

    def region(self, node: Node, tid: int) -> Iterator[Finding]:
        yield from self.expect(node, "CONTAINS", ("SCOORD", "SCOORD3D"), tid, f"sr.tid{tid}")
        kind = str(node.item.get("GraphicType", ""))
        if node.vt == "SCOORD":
            if kind not in ROI_GRAPHIC_TYPES:
                yield self.err(f"sr.tid{tid}.graphic-type", f"{kind} is not a valid region type (POINT, POLYLINE, "
                               "CIRCLE, ELLIPSE)", node, tid, fix="use a closed POLYLINE")
            data = list(node.item.get("GraphicData") or [])
            if kind == "POLYLINE" and len(data) >= 4 and data[:2] != data[-2:]:
                yield self.err(f"sr.tid{tid}.polyline-open", "an ROI polyline must be closed (first point = last "
                               "point)", node, tid)
            images = [c for c in node.children if c.vt == "IMAGE"]
            if not images:
                yield self.err(f"sr.tid{tid}.region-image-missing", "the region does not say which image it is on "
                               "(SELECTED FROM IMAGE)", node, tid)
            for image in images:
                if image.rel != "SELECTED FROM":
                    yield self.err(f"sr.tid{tid}.relationship", "a region's image is related by SELECTED FROM",
                                   image, tid)
                yield from self.image_in_evidence(image, tid)
        elif kind in ("MULTIPOINT",):
            yield self.err(f"sr.tid{tid}.graphic-type", f"{kind} is not a valid region type", node, tid)

    # ----------------------------------------------------------- evidence and codes

    def image_in_evidence(self, node: Node, tid: int | str) -> Iterator[Finding]:
        seq = node.item.get("ReferencedSOPSequence")
        if not seq:
            return
        uid = str(seq[0].get("ReferencedSOPInstanceUID", ""))
        if uid and uid not in self.evidence:
            yield self.err("sr.evidence.image-not-listed", f"image {uid} is referenced but not listed in the "
                           "Current Requested Procedure Evidence or Pertinent Other Evidence Sequence", node, tid,
                           fix="list every referenced image in the evidence sequences (PS3.3 C.17.2)")

    def codes(self, root: Node) -> Iterator[Finding]:
        stack = [root]
        srt_reported = False
        private: dict[str, Node] = {}
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            for keyword in ("ConceptNameCodeSequence", "ConceptCodeSequence"):
                for code in node.item.get(keyword) or []:
                    scheme = str(code.get("CodingSchemeDesignator", ""))
                    if scheme == "SRT" and not srt_reported:
                        srt_reported = True
                        yield self.warn("sr.codes.srt-scheme", "coding scheme SRT (SNOMED-RT) is retired: use SCT "
                                        "(SNOMED CT) codes", node, 1500, fix="replace SRT codes by their SCT ids")
                    if scheme.startswith("99") and scheme not in self.declared:
                        private.setdefault(scheme, node)
            values = node.item.get("MeasuredValueSequence") or []
            for mv in values:
                for unit in mv.get("MeasurementUnitsCodeSequence") or []:
                    if str(unit.get("CodingSchemeDesignator", "")) == "SRT" and not srt_reported:
                        srt_reported = True
                        yield self.warn("sr.codes.srt-scheme", "coding scheme SRT is retired", node, 1500)
        for scheme, node in sorted(private.items()):
            yield info("sr.codes.private-scheme-undeclared", f"private coding scheme {scheme} is not declared in the "
                       "Coding Scheme Identification Sequence", sr_position=node.position, path=node.path or None,
                       reference="PS3.3 C.12.1.1.4", fix="add an item naming the scheme and who maintains it")


def _evidence_uids(ds: Dataset) -> set[str]:
    uids: set[str] = set()
    for keyword in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
        for study in ds.get(keyword) or []:
            for series in study.get("ReferencedSeriesSequence") or []:
                for sop in series.get("ReferencedSOPSequence") or []:
                    uids.add(str(sop.get("ReferencedSOPInstanceUID", "")))
    return uids
