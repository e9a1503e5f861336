"""The IOD: its modules present, their attributes present and filled as their type demands.

PS3.3 Annex A names the modules of each IOD with their usage (M, C, U) and
the module tables give each attribute's type; PS3.5 7.4 defines the types:
1 present with a value, 2 present (maybe empty), 1C/2C the same when a
condition holds, 3 optional.

Module presence: a Mandatory module is always checked; a Conditional or
User-optional module is checked when an attribute that only it has is present
(so an absent optional module is never an error, and a half-filled one is).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dicomhelp.paths import Step, format_path
from dicomhelp.validate.findings import Finding, error, info, warning
from dicomhelp.validate.rules.conditions import (condition_for, decide, is_exclusive, parse_condition,
                                                 undecided_fix)

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.validate.context import Context

TYPES_REF = "PS3.5 7.4"
_STRENGTH = {"3": 0, "2C": 1, "1C": 2, "2": 3, "1": 4}
# The SR Document Content module's table flattens every content item macro into
# its top level; the root of the tree only has these (the sr rule checks the items).
SR_CONTENT_ROOT = {"ValueType", "ConceptNameCodeSequence", "ContinuityOfContent", "ContentTemplateSequence",
                   "ContentSequence"}
DEFLATED = "1.2.840.10008.1.2.1.99"
# Functional group macros sit in the shared OR the per-frame item: neither place alone is required.
FUNCTIONAL_GROUPS = ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence")
NOT_IN_IOD_SKIP = {0x7FE00010, 0x7FE00008, 0x7FE00009, 0xFFFAFFFA, 0xFFFCFFFC}


@dataclass(frozen=True)
class ModulePlan:
    module_id: str
    name: str
    usage: str
    attributes: tuple[Any, ...]  # ModuleAttribute, one per (path, keyword), the weakest type kept
    distinctive: frozenset[int]  # top-level tags only this module has in this IOD
    top_level: frozenset[int]
    required_top: bool  # has top-level Type 1 or 2 attributes (so its absence shows)
    section: str | None  # PS3.3 section, e.g. "C.7.3.1"
    # What to check, grouped by enclosing sequence path: Type 1/2/1C/2C and enumerated attributes.
    groups: tuple[tuple[tuple[str, ...], int | None, tuple[Any, ...]], ...] = ()
    # The tags each level of the module has (by enclosing sequence path): where a condition looks.
    levels: tuple[tuple[tuple[str, ...], frozenset[int]], ...] = ()

    def level(self, path: tuple[str, ...]) -> frozenset[int]:
        return next((tags for p, tags in self.levels if p == path), frozenset())


@dataclass(frozen=True)
class IODPlan:
    iod_id: str
    name: str
    modules: tuple[ModulePlan, ...]
    all_top_level: frozenset[int]


_PLANS: dict[str, IODPlan] = {}


def plan_for(iod: Any) -> IODPlan:
    cached = _PLANS.get(iod.id)
    if cached is not None:
        return cached
    from dicomhelp.validate.tables import tables

    k = tables()
    raw: list[tuple[Any, Any]] = []
    for usage in iod.modules:
        module = k.module(usage.module_id)
        if module is not None:
            raw.append((usage, module))
    tops: dict[str, frozenset[int]] = {}
    for usage, module in raw:
        attrs = module.attributes
        if usage.module_id == "sr-document-content":
            attrs = tuple(a for a in attrs if not a.path and a.keyword in SR_CONTENT_ROOT)
        tops[usage.module_id] = frozenset(a.tag for a in attrs if not a.path)
    mandatory_tags = frozenset().union(*(tops[u.module_id] for u, _ in raw if u.usage == "M")) if raw else frozenset()
    plans = []
    for usage, module in raw:
        mine = tops[usage.module_id]
        others = frozenset().union(*(t for mid, t in tops.items() if mid != usage.module_id))
        distinctive = mine - others or mine - mandatory_tags
        attrs = module.attributes
        if usage.module_id == "sr-document-content":
            attrs = tuple(a for a in attrs if not a.path and a.keyword in SR_CONTENT_ROOT)
        required_top = any(not a.path and a.type in ("1", "2") for a in attrs)
        weakest = _weakest(attrs)
        plans.append(ModulePlan(usage.module_id, module.name, usage.usage, weakest, distinctive, mine,
                                required_top, _section(getattr(module, "link", None)), _groups(weakest),
                                _levels(weakest)))
    all_top = frozenset().union(*tops.values()) if tops else frozenset()
    plan = IODPlan(iod.id, iod.name, tuple(plans), all_top)
    _PLANS[iod.id] = plan
    return plan


def _section(link: str | None) -> str | None:
    """``.../sect_C.7.6.html#table_C.7-9`` -> ``Table C.7-9`` (the module's table in PS3.3)."""
    if not link:
        return None
    m = re.search(r"#table_([A-Za-z0-9.\-]+)", link)
    if m:
        return f"Table {m.group(1)}"
    m = re.search(r"sect_([A-Z0-9.]+?)\.html", link)
    return m.group(1) if m else None


def module_ref(module: ModulePlan) -> str:
    where = f"PS3.3 {module.section}" if module.section else "PS3.3"
    return f"{module.name} module, {where}"


def _checked_type(attr: Any) -> str:
    if len(attr.path) == 1 and attr.path[0] in FUNCTIONAL_GROUPS:
        return "3"
    return str(attr.type)


def _groups(attrs: tuple[Any, ...]) -> tuple[tuple[tuple[str, ...], int | None, tuple[Any, ...]], ...]:
    from pydicom.datadict import tag_for_keyword

    by_path: dict[tuple[str, ...], list[Any]] = {}
    for a in attrs:
        if _checked_type(a) == "3" and not a.enumerated:
            continue
        by_path.setdefault(tuple(a.path), []).append(a)
    return tuple((path, tag_for_keyword(path[0]) if path else None, tuple(group))
                 for path, group in by_path.items())


def _levels(attrs: tuple[Any, ...]) -> tuple[tuple[tuple[str, ...], frozenset[int]], ...]:
    by_path: dict[tuple[str, ...], set[int]] = {}
    for a in attrs:
        by_path.setdefault(tuple(a.path), set()).add(a.tag)
    return tuple((p, frozenset(tags)) for p, tags in by_path.items())


def _weakest(attrs: tuple[Any, ...]) -> tuple[Any, ...]:
    """One entry per (path, keyword): tables that list an attribute twice keep the weaker type."""
    best: dict[tuple[tuple[str, ...], str], Any] = {}
    for a in attrs:
        key = (tuple(a.path), a.keyword)
        old = best.get(key)
        if old is None or _STRENGTH.get(a.type, 0) < _STRENGTH.get(old.type, 0):
            best[key] = a
    return tuple(best.values())


def check(ctx: Context) -> Iterator[Finding]:
    ds = ctx.ds
    sop = ctx.sop_class_uid
    if not sop:
        yield error("iod.no-sop-class", "the SOP Class UID is missing, so the kind of object is unknown",
                    tag=0x00080016, keyword="SOPClassUID", path="SOPClassUID",
                    reference="PS3.3 C.12.1 SOP Common module, Type 1",
                    fix="set SOPClassUID to the UID of the object's SOP class")
        return
    iod = ctx.iod
    if iod is None:
        yield _unknown_iod(sop)
        return
    plan = plan_for(iod)
    ctx.shared["iod_plan"] = plan
    extra = {ctx.file.pixel.tag} if ctx.file.pixel is not None else set()
    if ctx.file.transfer_syntax == DEFLATED and 0x7FE00010 not in ds:
        extra.add(0x7FE00010)  # a header-only read of a deflated stream cannot locate the pixels
    present_tags = {int(t) for t in ds.keys()} | extra
    checked: list[ModulePlan] = []
    for module in plan.modules:
        if module.usage == "M":
            if module.required_top and not (module.top_level & present_tags):
                yield error("iod.module-missing", f"the mandatory {module.name} module is missing",
                            reference=f"{module_ref(module)}; M in the {plan.name} IOD, PS3.3 Annex A",
                            fix=f"add the {module.name} module's Type 1 and Type 2 attributes")
            checked.append(module)
        elif module.distinctive & present_tags:
            checked.append(module)
    seen: set[tuple[str, ...]] = set()
    for module in checked:
        for path, first_tag, attrs in module.groups:
            if first_tag is not None and first_tag not in present_tags:
                continue
            for item, steps in _items_at(ds, path):
                for attr in attrs:
                    for finding in _check_attribute(ctx, module, attr, item, steps, extra):
                        # One "not checked" per attribute and module, not one per item.
                        key = ((finding.rule, module.module_id, attr.keyword) if finding.severity.value == "info"
                               else (finding.rule, finding.path or ""))
                        if key not in seen:
                            seen.add(key)
                            yield finding
    yield from _frames(ctx, plan, present_tags)
    if ctx.options.info:
        for tag in sorted(present_tags - plan.all_top_level):
            if (tag >> 16) % 2 == 1 or (tag >> 16) in (0x0002,) or tag & 0xFFFF == 0 or tag in NOT_IN_IOD_SKIP:
                continue
            if (tag >> 16) & 0xFF00 == 0x6000 and (tag & 0xFF00FFFF) in plan.all_top_level:
                continue
            from dicomhelp.paths import tag_name

            name = tag_name(tag)
            yield info("iod.not-in-iod", f"not part of the {plan.name} IOD (a standard attribute, but not one of "
                       "this object's modules)", tag=tag, keyword=name if not name.startswith("(") else None,
                       path=name, reference=f"PS3.3 Annex A, {plan.name} IOD",
                       fix="harmless for most readers; remove it if it does not belong")


def _unknown_iod(sop: str) -> Finding:
    from pydicom.uid import UID

    name = UID(sop).name
    known = name != sop
    what = f"{name} ({sop})" if known else f"<{sop}>"
    message = (f"the IOD of SOP class {what} is not in the tables; only the encoding and the values were checked"
               if known else f"SOP class {what} is not a standard SOP class (private?); only the encoding and "
               "the values were checked")
    return warning("iod.unknown", message, tag=0x00080016, keyword="SOPClassUID", path="SOPClassUID",
                   reference="PS3.4 Annex B; PS3.6 Annex A", fix=None if known else
                   "use a standard SOP class UID if the object is one")


def _items_at(ds: Dataset, path: tuple[str, ...]) -> list[tuple[Dataset, list[Step]]]:
    """Every item the enclosing sequences of ``path`` hold, with the steps leading to it."""
    from pydicom.datadict import tag_for_keyword

    level: list[tuple[Dataset, list[Step]]] = [(ds, [])]
    for keyword in path:
        tag = tag_for_keyword(keyword)
        nxt: list[tuple[Dataset, list[Step]]] = []
        for item, steps in level:
            if tag is None or tag not in item:
                continue
            try:
                elem = item[tag]
            except Exception:  # noqa: BLE001 - unreadable: reported by the values rule
                continue
            if elem.VR != "SQ" or not elem.value:
                continue
            for i, sub in enumerate(elem.value):
                nxt.append((sub, steps + [Step(tag=tag, index=i)]))
        level = nxt
        if not level:
            break
    return level


def _is_empty(item: Dataset, tag: int) -> bool:
    try:
        value = item[tag].value
    except Exception:  # noqa: BLE001 - an unreadable value is not empty
        return False
    if value is None:
        return True
    if isinstance(value, (str, bytes, list, tuple)) or hasattr(value, "__len__"):
        try:
            return len(value) == 0 or (isinstance(value, str) and not value.strip("\0 "))
        except TypeError:
            return False
    return False


def _check_attribute(ctx: Context, module: ModulePlan, attr: Any, item: Dataset, steps: list[Step],
                     extra: set[int]) -> Iterator[Finding]:
    t = _checked_type(attr)
    present = attr.tag in item or (not steps and attr.tag in extra)
    empty = present and attr.tag in item and _is_empty(item, attr.tag)
    if present and not empty and not attr.enumerated and not t.endswith("C"):
        return  # the common case: nothing to report, no path to format
    where = dict(tag=attr.tag, keyword=attr.keyword, path=format_path(steps + [Step(tag=attr.tag)]))
    ref = f"Type {t} in the {module_ref(module)}; types: {TYPES_REF}"
    if t.endswith("C") and getattr(attr, "condition", None):
        ref += f"; condition: {attr.condition}"
    if present and not empty and attr.enumerated:
        yield from _enumerated(item, attr, module, where)
    if t == "3":
        return
    required = t in ("1", "2")
    if t in ("1C", "2C"):
        decided, exclusive = _condition(ctx, module, attr, item, steps, frozenset(extra))
        if present and decided is False and exclusive:
            yield error(f"iod.type{t.lower()}-not-allowed", f"present although its condition does not hold: a Type "
                        f"{t} attribute shall not be sent then (the condition does not say it may be present "
                        "otherwise)", reference=ref, fix=f"remove {attr.keyword}, or send what its condition needs",
                        **where)
            return
        if t == "1C" and present and empty:
            yield error("iod.type1c-empty", "present but empty: a Type 1C attribute, when present, must "
                        "have a value", reference=ref, fix=_fix_value(attr, "give it a value or remove it"),
                        **where)
            return
        if decided is None and not present:
            warn_fix = undecided_fix(attr.keyword) if not steps else None
            report = warning if warn_fix else info
            yield report("iod.condition-not-checked", f"not checked: whether this Type {t} attribute is required "
                         "here cannot be decided from the data set", reference=ref,
                         fix=warn_fix or f"read the condition; add {attr.keyword} if it holds for this object",
                         **where)
        required = bool(decided)
    if not required or (present and not empty and t.endswith("C")):
        return
    strength = t.rstrip("C")
    rule_t = t.lower()
    if not present:
        why = " (its condition holds here)" if t.endswith("C") else ""
        if strength == "1":
            yield error(f"iod.type{rule_t}-missing", f"missing: a Type {t} attribute must be present with a "
                        f"value{why}", reference=ref, fix=_fix_value(attr, f"add {attr.keyword} with a value"),
                        **where)
        else:
            yield error(f"iod.type{rule_t}-missing", f"missing: a Type {t} attribute must be present, even if "
                        f"empty{why}", reference=ref,
                        fix=f"add {attr.keyword} (empty if the value is unknown)", **where)
    elif strength == "1" and empty:
        yield error(f"iod.type{rule_t}-empty", f"empty: a Type {t} attribute must have a value",
                    reference=ref, fix=_fix_value(attr, f"give {attr.keyword} a value"), **where)


def _condition(ctx: Context, module: ModulePlan, attr: Any, item: Dataset, steps: list[Step],
               extra: frozenset[int]) -> tuple[bool | None, bool]:
    """Does the attribute's condition hold here (None: cannot say), and is it absent otherwise?

    The hand-coded conditions (top level) come first; else the standard's condition text
    when it is one of the forms :func:`parse_condition` reads.
    """
    hand = condition_for(attr.keyword) if not steps else None
    if hand is not None:
        return hand(item, ctx.ds, ctx.sop_class_uid or ""), is_exclusive(attr.keyword)
    parsed = parse_condition(getattr(attr, "condition", None))
    if parsed is None:
        return None, False
    return decide(parsed, item, ctx.ds, module.level(tuple(attr.path)), extra), parsed.exclusive


def _fix_value(attr: Any, base: str) -> str:
    terms = attr.enumerated or attr.defined_terms
    if terms:
        kind = "one of" if attr.enumerated else "e.g. one of the defined terms"
        shown = ", ".join(terms[:8]) + (", ..." if len(terms) > 8 else "")
        return f"{base} ({kind}: {shown})"
    return base


def _enumerated(item: Dataset, attr: Any, module: ModulePlan, where: dict[str, Any]) -> Iterator[Finding]:
    from pydicom.datadict import dictionary_VM

    try:
        vm = dictionary_VM(attr.tag)
        value = item[attr.tag].value
    except Exception:  # noqa: BLE001
        return
    if vm != "1":
        return  # multi-valued attributes enumerate per value position; not judged here
    allowed = {str(e).strip() for e in attr.enumerated}
    text = str(value).strip("\0 ") if not isinstance(value, bytes) else None
    if text is None or text in allowed or text in newer_enumerated(attr.keyword):
        return
    if isinstance(value, int) and value in {_number(e) for e in allowed}:
        return  # binary values against the standard's numbers (0001H, 16)
    if _as_float(text) is not None and _as_float(text) in {_as_float(e) for e in allowed}:
        return  # a DS/IS value is a number: "0.0" is the enumerated 0 (PS3.5 6.2, DS)
    yield error("iod.enumerated", f"<{text}> is not one of the enumerated values",
                reference=f"enumerated values of {attr.keyword} in the {module_ref(module)}",
                fix=f"use one of: {', '.join(sorted(allowed)[:12])}", **where)


# Enumerations later editions of PS3.3 extended (LABELMAP, 2024) than the knowledge layer's prose
# (2020): highdicom follows the current standard, so its enums of the same attribute are newer data.
NEWER_ENUMS = {"SegmentationType": "SegmentationTypeValues", "SegmentsOverlap": "SegmentsOverlapValues",
               "SegmentAlgorithmType": "SegmentAlgorithmTypeValues",
               "SegmentationFractionalType": "SegmentationFractionalTypeValues"}


@lru_cache(maxsize=64)
def newer_enumerated(keyword: str) -> frozenset[str]:
    name = NEWER_ENUMS.get(keyword)
    if name is None:
        return frozenset()
    import highdicom.seg

    return frozenset(str(m.value) for m in getattr(highdicom.seg, name, ()))


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _number(text: str) -> int | None:
    """``0001H`` (hex, as PS3.3 writes US values) or ``16``; None for words."""
    t = text.strip()
    try:
        return int(t[:-1], 16) if t.endswith("H") else int(t)
    except ValueError:
        return None


def _frames(ctx: Context, plan: IODPlan, present_tags: set[int]) -> Iterator[Finding]:
    """More than one frame in an IOD without the Multi-frame module: a single-frame IOD (e.g. SC Image)."""
    if 0x00280008 not in present_tags or 0x00280008 in plan.all_top_level:
        return
    try:
        frames = int(ctx.ds.NumberOfFrames)
    except (TypeError, ValueError, AttributeError):
        return
    if frames > 1:
        yield error("iod.single-frame", f"{frames} frames in the {plan.name} IOD, which holds one frame only "
                    "(it has no Multi-frame module)", tag=0x00280008, keyword="NumberOfFrames", path="NumberOfFrames",
                    reference=f"PS3.3 Annex A, {plan.name} IOD",
                    fix="use the multi-frame variant of the IOD (e.g. Multi-frame True Color SC) or one file per frame")
