"""Element-level differences between two datasets, named by element paths.

``dicomhelp diff A B`` and ``edit --dry-run`` print these. Sequences are
compared item by item; bulk values (pixel data, binary VRs) by their bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from dicomhelp.paths import Step, element_step, format_path

if TYPE_CHECKING:
    from pydicom import Dataset
    from pydicom.dataelem import DataElement

MAX_SHOWN = 80


@dataclass
class Difference:
    path: str
    kind: str  # "added" | "removed" | "changed"
    old: str | None = None
    new: str | None = None

    def line(self) -> str:
        if self.kind == "added":
            return f"+ {self.path} = {self.new}"
        if self.kind == "removed":
            return f"- {self.path} = {self.old}"
        return f"~ {self.path}: {self.old} -> {self.new}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def diff_datasets(a: Dataset, b: Dataset, *, meta: bool = True) -> list[Difference]:
    """Every element that differs between ``a`` and ``b`` (file meta first when ``meta``)."""
    out: list[Difference] = []
    if meta:
        ma, mb = getattr(a, "file_meta", None), getattr(b, "file_meta", None)
        if ma is not None or mb is not None:
            from pydicom.dataset import Dataset as _Dataset

            _diff_level(ma if ma is not None else _Dataset(), mb if mb is not None else _Dataset(), [], out)
    _diff_level(a, b, [], out)
    return out


def _diff_level(a: Dataset, b: Dataset, prefix: list[Step], out: list[Difference]) -> None:
    tags = sorted({int(t) for t in a.keys()} | {int(t) for t in b.keys()})
    for tag in tags:
        ea = a.get(tag) if tag in a else None
        eb = b.get(tag) if tag in b else None
        step = element_step(a if ea is not None else b, tag)
        path = prefix + [step]
        if ea is None:
            out.append(Difference(format_path(path), "added", new=render(eb)))
        elif eb is None:
            out.append(Difference(format_path(path), "removed", old=render(ea)))
        elif ea.VR == "SQ" and eb.VR == "SQ":
            _diff_items(ea.value or [], eb.value or [], step, prefix, out)
        elif not same_value(ea, eb):
            out.append(Difference(format_path(path), "changed", old=render(ea), new=render(eb)))


def _diff_items(ia: list[Dataset], ib: list[Dataset], step: Step, prefix: list[Step], out: list[Difference]) -> None:
    for i in range(max(len(ia), len(ib))):
        here = prefix + [Step(tag=step.tag, group=step.group, creator=step.creator,
                              element_byte=step.element_byte, index=i)]
        if i >= len(ia):
            out.append(Difference(format_path(here), "added", new=f"item of {len(ib[i])} elements"))
        elif i >= len(ib):
            out.append(Difference(format_path(here), "removed", old=f"item of {len(ia[i])} elements"))
        else:
            _diff_level(ia[i], ib[i], here, out)


def same_value(ea: DataElement, eb: DataElement) -> bool:
    if str(ea.VR) != str(eb.VR) and "UN" not in (str(ea.VR), str(eb.VR)):
        return False
    va, vb = ea.value, eb.value
    if isinstance(va, (bytes, bytearray)) or isinstance(vb, (bytes, bytearray)):
        return bytes(va or b"") == bytes(vb or b"")
    return _norm(va) == _norm(vb)


def _norm(value: Any) -> Any:
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [_norm(v) for v in value]
    return str(value).rstrip(" \x00")


def render(elem: DataElement | None) -> str:
    if elem is None:
        return ""
    value = elem.value
    if elem.VR == "SQ":
        return f"sequence of {len(value or [])} item(s)"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        text = "\\".join(str(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
