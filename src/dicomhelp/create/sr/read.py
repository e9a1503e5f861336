"""SR → spec: read a TID 1500 report (ours or a vendor's) back into the spec structure.

Lenient: real files have items without concept names, private codes,
templates we do not model. Those are reported as notes (findings with the SR
position), never fatal; what can be expressed in the spec is kept.

>>> result = read_sr(pydicom.dcmread("sr.dcm"))
>>> print(dump_yaml(result.data)); result.notes
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dicomhelp.create.spec import dump_yaml, from_data
from dicomhelp.create.sr import spec as S
from dicomhelp.create.sr.build import IOD_UIDS, choose_iod
from dicomhelp.create.sr.ucum import short_list
from dicomhelp.errors import SpecError
from dicomhelp.validate.findings import Finding, info, warning

if TYPE_CHECKING:
    from pydicom import Dataset

__all__ = ["ReadResult", "read_sr", "dump_yaml"]

# (value, scheme) of the concepts the reader knows; everything else is a note.
TITLE_MODIFIER = ("113011", "DCM")
LANGUAGE = ("121049", "DCM")
COUNTRY = ("121046", "DCM")
OBSERVER_TYPE = ("121005", "DCM")
PROCEDURE_REPORTED = ("121058", "DCM")
IMAGE_LIBRARY = ("111028", "DCM")
IMAGING_MEASUREMENTS = ("126010", "DCM")
MEASUREMENT_GROUP = ("125007", "DCM")
TRACKING_ID = ("112039", "DCM")
TRACKING_UID = ("112040", "DCM")
FINDING = ("121071", "DCM")
FINDING_CATEGORY = ("276214006", "SCT")
FINDING_SITE = ("363698007", "SCT")
LATERALITY = ("272741003", "SCT")
TOPOGRAPHICAL_MODIFIER = ("106233006", "SCT")
ALGORITHM_NAME = ("111001", "DCM")
ALGORITHM_VERSION = ("111003", "DCM")
ALGORITHM_PARAMETERS = ("111002", "DCM")
METHOD = ("370129005", "SCT")
DERIVATION = ("121401", "DCM")
SESSION = ("C67447", "NCIt")
SOURCE = ("260753009", "SCT")
SOURCE_OF_MEASUREMENT = ("121112", "DCM")
IMAGE_REGION = ("111030", "DCM")
VOLUME_SURFACE = ("121231", "DCM")
SEGMENTATION_SOURCE = ("121233", "DCM")
TIME_POINT = ("C2348792", "UMLS")
TIME_POINT_TYPE = ("126072", "DCM")
TIME_POINT_ORDER = ("126073", "DCM")
SUBJECT_TIME_POINT = ("126070", "DCM")
PROTOCOL_TIME_POINT = ("126071", "DCM")
PERSON_FIELDS = {("121008", "DCM"): "name", ("128774", "DCM"): "login_name", ("121009", "DCM"): "organization",
                 ("121010", "DCM"): "role_in_organization", ("121011", "DCM"): "role_in_procedure"}
DEVICE_FIELDS = {("121012", "DCM"): "uid", ("121013", "DCM"): "name", ("121014", "DCM"): "manufacturer",
                 ("121015", "DCM"): "model", ("121016", "DCM"): "serial_number",
                 ("121017", "DCM"): "physical_location", ("113876", "DCM"): "role_in_procedure"}


@dataclass
class ReadResult:
    """``data``: the spec as plain data (always); ``spec``: typed, when the content fits the spec."""

    data: dict[str, Any]
    spec: S.SRSpec | None
    notes: list[Finding] = field(default_factory=list)


def read_sr(ds: Dataset, *, file: str | None = None) -> ReadResult:
    reader = _Reader(file)
    data = reader.document(ds)
    spec: S.SRSpec | None = None
    try:
        spec = from_data(S.SRSpec, data)
    except SpecError as exc:
        reader.notes.append(warning("sr.read.not-a-spec", f"the content does not make a valid spec: {exc.one_line()}",
                                    file=file))
    if spec is not None:
        actual = _iod_name(str(ds.get("SOPClassUID", "")))
        if actual and actual != choose_iod(spec):
            spec.document.iod = actual  # type: ignore[assignment]
            data.setdefault("document", {})["iod"] = actual
    return ReadResult(data, spec, reader.notes)


def _iod_name(uid: str) -> str | None:
    for name, value in IOD_UIDS.items():
        if value == uid:
            return name
    return None


def _concept(item: Dataset) -> tuple[str, str] | None:
    seq = item.get("ConceptNameCodeSequence")
    if not seq:
        return None
    c = seq[0]
    value = c.get("CodeValue") or c.get("LongCodeValue") or c.get("URNCodeValue")
    return (str(value), str(c.get("CodingSchemeDesignator", ""))) if value else None


def _code(c: Dataset) -> S.Code:
    value = c.get("CodeValue") or c.get("LongCodeValue") or c.get("URNCodeValue") or ""
    version = c.get("CodingSchemeVersion")
    return S.Code(str(value), str(c.get("CodingSchemeDesignator", "")), str(c.get("CodeMeaning", "")),
                  str(version) if version else None)


def _value(item: Dataset) -> S.Code | None:
    """The coded value of a CODE item, None when it has none."""
    seq = item.get("ConceptCodeSequence")
    return _code(seq[0]) if seq else None


def _code_data(c: Dataset) -> Any:
    return _code(c)._spec_dump()


def _name_code(item: Dataset) -> S.Code | None:
    seq = item.get("ConceptNameCodeSequence")
    return _code(seq[0]) if seq else None


def _children(item: Dataset) -> list[Dataset]:
    return list(item.get("ContentSequence") or [])


def _text(item: Dataset) -> str:
    vt = item.get("ValueType")
    if vt == "UIDREF":
        return str(item.get("UID", ""))
    if vt == "PNAME":
        return str(item.get("PersonName", ""))
    return str(item.get("TextValue", ""))


def _value_code(item: Dataset) -> Any:
    seq = item.get("ConceptCodeSequence")
    return _code_data(seq[0]) if seq else None


def _number(value: float) -> float | int:
    return float(f"{float(value):.6g}")


class _Reader:
    def __init__(self, file: str | None) -> None:
        self.file = file
        self.notes: list[Finding] = []

    def note(self, rule: str, message: str, position: str, *, severity: str = "info") -> None:
        make = info if severity == "info" else warning
        self.notes.append(make(rule, message, sr_position=position, file=self.file))

    # -------------------------------------------------------------- document

    def document(self, ds: Dataset) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        title = ds.get("ConceptNameCodeSequence")
        if title:
            doc["title"] = _code_data(title[0])
        templates = [str(t.get("TemplateIdentifier", "")) for t in ds.get("ContentTemplateSequence") or []]
        if "1500" not in templates:
            self.note("sr.read.not-tid1500", "the root does not declare TID 1500: read as one anyway", "1",
                      severity="warning")
        doc["completion"] = str(ds.get("CompletionFlag", "COMPLETE"))
        doc["verification"] = str(ds.get("VerificationFlag", "UNVERIFIED"))
        doc["preliminary"] = str(ds.get("PreliminaryFlag", "FINAL")) or "FINAL"
        verifier = (ds.get("VerifyingObserverSequence") or [None])[0]
        if verifier is not None:
            doc["verifying_observer"] = {"name": str(verifier.get("VerifyingObserverName", "")),
                                         "organization": str(verifier.get("VerifyingOrganization", ""))}
        predecessors = []
        for study in ds.get("PredecessorDocumentsSequence") or []:
            for series in study.get("ReferencedSeriesSequence") or []:
                for sop in series.get("ReferencedSOPSequence") or []:
                    predecessors.append({"study_uid": str(study.get("StudyInstanceUID", "")),
                                         "series_uid": str(series.get("SeriesInstanceUID", "")),
                                         "sop_instance_uid": str(sop.get("ReferencedSOPInstanceUID", "")),
                                         "sop_class_uid": str(sop.get("ReferencedSOPClassUID", ""))})
        if predecessors:
            doc["predecessors"] = predecessors
        for keyword, key in (("SeriesNumber", "series_number"), ("InstanceNumber", "instance_number")):
            if ds.get(keyword) not in (None, ""):
                doc[key] = int(ds.get(keyword))
        if ds.get("SeriesDescription"):
            doc["series_description"] = str(ds.SeriesDescription)
        schemes = {}
        for item in ds.get("CodingSchemeIdentificationSequence") or []:
            scheme = str(item.get("CodingSchemeDesignator", ""))
            name = str(item.get("CodingSchemeName", ""))
            if scheme.startswith("99") and name and name != f"private coding scheme {scheme}":
                schemes[scheme] = name
        if schemes:
            doc["coding_schemes"] = schemes

        data: dict[str, Any] = {}
        observer: dict[str, Any] = {}
        groups: list[dict[str, Any]] = []
        modifiers: list[Any] = []
        procedures: list[Any] = []
        current: dict[str, Any] | None = None
        for index, item in enumerate(_children(ds), start=1):
            pos = f"1.{index}"
            concept = _concept(item)
            if concept is None:
                self.note("sr.read.no-concept-name", "content item without a concept name: skipped", pos)
                continue
            if concept == TITLE_MODIFIER:
                modifiers.append(_value_code(item))
            elif concept == LANGUAGE:
                doc["language"] = self.language(item)
            elif concept == OBSERVER_TYPE:
                kind = (_value_code(item) or "")
                current = observer.setdefault("person" if "Person" in str(kind) else "device", {})
            elif current is not None and (concept in PERSON_FIELDS or concept in DEVICE_FIELDS):
                key = PERSON_FIELDS.get(concept) or DEVICE_FIELDS[concept]
                current[key] = _value_code(item) if item.get("ValueType") == "CODE" else _text(item)
            elif concept == PROCEDURE_REPORTED:
                procedures.append(_value_code(item))
            elif concept == IMAGE_LIBRARY:
                continue  # made from the referenced images when building
            elif concept == IMAGING_MEASUREMENTS:
                for j, group in enumerate(_children(item), start=1):
                    gpos = f"{pos}.{j}"
                    if _concept(group) == MEASUREMENT_GROUP:
                        groups.append(self.group(group, gpos))
                    else:
                        self.note("sr.read.unknown-item", f"{_label(group)} in Imaging Measurements: skipped", gpos)
            else:
                self.note("sr.read.unknown-item", f"{_label(item)} is not modelled by the spec: skipped", pos)
        if "language" not in doc:
            self.note("sr.read.no-language", "no Language item (TID 1204): the spec gives the default, en-US, "
                      "which a rebuilt report will carry", "1", severity="warning")
        if modifiers:
            doc["title_modifiers"] = modifiers
        if procedures:
            doc["procedure_reported"] = procedures
        document = _drop_defaults(doc)
        if document:
            data["document"] = document
        data["observer"] = observer
        data["groups"] = groups
        return data

    def language(self, item: Dataset) -> Any:
        code = _value(item)
        if code is None:
            return "en-US"
        country = next((c for c in _children(item) if _concept(c) == COUNTRY), None)
        return S.Language(code, _value(country) if country is not None else None)._spec_dump()

    # -------------------------------------------------------------- groups

    def group(self, item: Dataset, pos: str) -> dict[str, Any]:
        g: dict[str, Any] = {}
        algorithm: dict[str, Any] = {}
        time_point: dict[str, Any] = {}
        regions: list[dict[str, Any]] = []
        template = next((str(t.get("TemplateIdentifier")) for t in item.get("ContentTemplateSequence") or []), None)
        children = _children(item)
        content_seen = False
        for index, child in enumerate(children, start=1):
            cpos = f"{pos}.{index}"
            concept = _concept(child)
            vt = child.get("ValueType")
            if vt in ("NUM", "SCOORD", "SCOORD3D", "IMAGE") or (child.get("RelationshipType") == "CONTAINS"
                                                                and vt == "TEXT"):
                content_seen = True
            if concept is None:
                self.note("sr.read.no-concept-name", "content item without a concept name: skipped", cpos)
            elif concept == TRACKING_ID:
                g["tracking_id"] = _text(child)
            elif concept == TRACKING_UID:
                g["tracking_uid"] = _text(child)
            elif concept == FINDING and vt == "CODE" and "finding" not in g and not content_seen \
                    and index < len(children):
                # Row 6 comes before the measurements, regions and evaluations the builder appends;
                # a lone Finding at the end is a qualitative evaluation (row 8).
                g["finding"] = _value_code(child)
            elif concept == FINDING_CATEGORY:
                g["finding_category"] = _value_code(child)
            elif concept == FINDING_SITE:
                site = self.finding_site(child)
                if site is not None:
                    g.setdefault("finding_sites", []).append(site)
            elif concept in (ALGORITHM_NAME, ALGORITHM_VERSION, ALGORITHM_PARAMETERS):
                self.algorithm_item(algorithm, concept, child)
            elif concept in (TIME_POINT, TIME_POINT_TYPE, TIME_POINT_ORDER, SUBJECT_TIME_POINT, PROTOCOL_TIME_POINT):
                self.time_point_item(time_point, concept, child)
            elif concept == METHOD:
                g["method"] = _value_code(child)
            elif concept == SESSION:
                g["session"] = _text(child)
            elif concept in (SOURCE, SOURCE_OF_MEASUREMENT) and vt == "IMAGE":
                g.setdefault("images", []).append(_image_uid(child))
            elif concept == IMAGE_REGION and vt == "SCOORD":
                regions.append(self.region(child))
            elif concept == VOLUME_SURFACE and vt == "SCOORD3D":
                g["region3d"] = self.surface(item, child)
            elif concept == SEGMENTATION_SOURCE and vt == "IMAGE":
                g.setdefault("_surface_images", []).append(_image_uid(child))
            elif vt == "NUM":
                measurement = self.measurement(child, cpos)
                if measurement is not None:
                    g.setdefault("measurements", []).append(measurement)
            elif vt in ("CODE", "TEXT") and child.get("RelationshipType") == "CONTAINS":
                q: dict[str, Any] = {"concept": _code_data(child.ConceptNameCodeSequence[0])}
                if vt == "CODE":
                    q["value"] = _value_code(child)
                else:
                    q["text"] = _text(child)
                g.setdefault("qualitative", []).append(q)
                content_seen = True
            elif vt == "SCOORD3D" and concept == IMAGE_REGION:
                self.note("sr.read.unsupported", "3D Image Region (TID 1410 SCOORD3D): not in the spec, skipped", cpos,
                          severity="warning")
            else:
                self.note("sr.read.unknown-item", f"{_label(child)} is not modelled by the spec: skipped", cpos)
        surface_images = g.pop("_surface_images", [])
        if "region3d" in g and surface_images:
            g["region3d"]["images"] = surface_images
        if algorithm:
            g["algorithm"] = algorithm
        if time_point:
            g["time_point"] = time_point
        if regions:
            if template == "1411" or len(regions) > 1:
                g["regions"] = regions
            else:
                g["region"] = regions[0]
        order = ["tracking_id", "tracking_uid", "finding", "finding_category", "finding_sites", "time_point",
                 "algorithm", "method", "session", "images", "region", "regions", "region3d", "qualitative",
                 "measurements"]
        return {k: g[k] for k in order if k in g}

    def finding_site(self, item: Dataset) -> Any:
        site = _value(item)
        laterality = modifier = None
        for child in _children(item):
            if _concept(child) == LATERALITY:
                laterality = _value(child)
            elif _concept(child) == TOPOGRAPHICAL_MODIFIER:
                modifier = _value(child)
        if site is None:
            return None
        return S.FindingSite(site, laterality, modifier)._spec_dump()

    def algorithm_item(self, algorithm: dict[str, Any], concept: tuple[str, str], item: Dataset) -> None:
        if concept == ALGORITHM_NAME:
            algorithm["name"] = _text(item)
        elif concept == ALGORITHM_VERSION:
            algorithm["version"] = _text(item)
        else:
            algorithm.setdefault("parameters", []).append(_text(item))

    def time_point_item(self, tp: dict[str, Any], concept: tuple[str, str], item: Dataset) -> None:
        if concept == TIME_POINT:
            tp["time_point"] = _text(item)
        elif concept == TIME_POINT_TYPE:
            tp["type"] = _value_code(item)
        elif concept == TIME_POINT_ORDER:
            seq = item.get("MeasuredValueSequence")
            if seq:
                tp["order"] = int(float(seq[0].NumericValue))
        elif concept == SUBJECT_TIME_POINT:
            tp["subject_time_point_id"] = _text(item)
        else:
            tp["protocol_time_point_id"] = _text(item)

    def region(self, item: Dataset) -> dict[str, Any]:
        data = [_number(v) for v in item.get("GraphicData") or []]
        points = [data[i:i + 2] for i in range(0, len(data), 2)]
        kind = str(item.get("GraphicType", ""))
        if kind == "POLYLINE" and len(points) > 3 and points[0] == points[-1]:
            points = points[:-1]  # the builder closes polylines again
        region: dict[str, Any] = {"type": kind}
        image = next((c for c in _children(item) if c.get("ValueType") == "IMAGE"), None)
        if image is not None:
            region["image"] = _image_uid(image)
            sops = image.get("ReferencedSOPSequence") or [None]
            frames = sops[0].get("ReferencedFrameNumber") if sops[0] is not None else None
            if frames:
                region["frame"] = int(frames if isinstance(frames, int) else frames[0])
        region["points"] = points
        return region

    def surface(self, group: Dataset, item: Dataset) -> dict[str, Any]:
        """TID 1411 Volume Surface: one SCOORD3D item per contour, siblings in the group."""
        contours = []
        frame = None
        kind = None
        for sibling in _children(group):
            if _concept(sibling) == VOLUME_SURFACE and sibling.get("ValueType") == "SCOORD3D":
                data = [_number(v) for v in sibling.get("GraphicData") or []]
                points = [data[i:i + 3] for i in range(0, len(data), 3)]
                if len(points) > 3 and points[0] == points[-1]:
                    points = points[:-1]  # the builder closes polygons again
                contours.append(points)
                frame = str(sibling.get("ReferencedFrameOfReferenceUID", ""))
                kind = str(sibling.get("GraphicType", ""))
        return {"type": kind, "contours": contours, "frame_of_reference": frame}

    def measurement(self, item: Dataset, pos: str) -> dict[str, Any] | None:
        values = item.get("MeasuredValueSequence")
        if not values:
            self.note("sr.read.no-value", "measurement without a value: skipped", pos, severity="warning")
            return None
        mv = values[0]
        if mv.get("NumericValue") in (None, ""):
            self.note("sr.read.no-value", "measurement without a value: skipped", pos, severity="warning")
            return None
        m: dict[str, Any] = {"concept": _code_data(item.ConceptNameCodeSequence[0]),
                             "value": float(mv.NumericValue)}
        units = mv.get("MeasurementUnitsCodeSequence")
        if units:
            unit = _code(units[0])
            known = short_list()
            m["unit"] = unit.value if unit.scheme == "UCUM" and unit.meaning in (known.get(unit.value), unit.value) \
                else unit._spec_dump()
        if item.get("NumericValueQualifierCodeSequence"):
            m["qualifier"] = _code_data(item.NumericValueQualifierCodeSequence[0])
        algorithm: dict[str, Any] = {}
        for index, child in enumerate(_children(item), start=1):
            concept = _concept(child)
            if concept == DERIVATION:
                m["derivation"] = _value_code(child)
            elif concept == METHOD:
                m["method"] = _value_code(child)
            elif concept == FINDING_SITE:
                site = self.finding_site(child)
                if site is not None:
                    m.setdefault("finding_sites", []).append(site)
            elif concept in (ALGORITHM_NAME, ALGORITHM_VERSION, ALGORITHM_PARAMETERS):
                self.algorithm_item(algorithm, concept, child)
            elif concept == TRACKING_ID:
                m["tracking_id"] = _text(child)
            elif concept == TRACKING_UID:
                m["tracking_uid"] = _text(child)
            elif concept == SOURCE_OF_MEASUREMENT and child.get("ValueType") == "IMAGE":
                m.setdefault("images", []).append(_image_uid(child))
            else:
                self.note("sr.read.unknown-item", f"{_label(child)} under a measurement: skipped", f"{pos}.{index}")
        if algorithm:
            m["algorithm"] = algorithm
        return m


def _image_uid(item: Dataset) -> str:
    seq = item.get("ReferencedSOPSequence")
    return str(seq[0].ReferencedSOPInstanceUID) if seq else ""


def _label(item: Dataset) -> str:
    code = _name_code(item)
    name = f"'{code.meaning}'" if code else "an item"
    return f"{item.get('ValueType', '?')} {name}"


def _drop_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    from dicomhelp.create.spec import to_data

    full = to_data(S.Document(), keep_defaults=True)
    order = list(full)  # the spec's field order, as a person would write it
    return {k: doc[k] for k in sorted(doc, key=order.index) if full.get(k) != doc[k]}


def spec_lines(ds: Dataset, *, as_json: bool = False, file: str | None = None) -> list[str]:
    """``dicomhelp sr FILE --to-spec``: the spec as YAML (or JSON) lines; notes go to stderr."""
    import json

    from dicomhelp.cli.common import warn

    result = read_sr(ds, file=file)
    for note in result.notes:  # named by file: several reports may be converted in one run
        where = f" at {note.sr_position}" if note.sr_position else ""
        warn(f"{file + ': ' if file else ''}{note.severity.value}{where}: {note.message}")
    if as_json:
        return [json.dumps(result.data, indent=2, ensure_ascii=False)]
    header = f"# spec read from {file} (dicomhelp sr --to-spec); build with: dicomhelp create sr SPEC --source DIR -o OUT.dcm"
    return [header, dump_yaml(result.data).rstrip("\n")]
