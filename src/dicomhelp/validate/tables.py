"""Where the validator gets the standard's tables from.

The knowledge layer (:mod:`dicomhelp.standard`) is the source. Until it can
answer (not installed yet, or failing to build its index), a small adapter
over highdicom's tables answers the few questions the validator asks with the
SAME contract (``iod_for_sop_class``, ``module``, ``attribute``,
``sr_relationship_constraints``), so the two are interchangeable. It has no
enumerated values and no SR constraints: those checks then stay silent.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol


class Tables(Protocol):
    def iod_for_sop_class(self, uid: str) -> Any: ...
    def module(self, module_id: str) -> Any: ...
    def attribute(self, tag_or_keyword: int | str) -> Any: ...
    def sr_relationship_constraints(self, iod_id: str) -> tuple[tuple[str, str, str], ...]: ...


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The knowledge layer when it works, else highdicom's tables behind the same API."""
    try:
        from dicomhelp.standard import knowledge  # type: ignore[attr-defined]

        k = knowledge()
        # One cheap question proves the index loads (a half-built layer falls back).
        if k.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.2") is not None:
            return k  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - any failure of the other layer means: use the fallback
        pass
    return HighdicomTables()


def source_name() -> str:
    return "highdicom tables" if isinstance(tables(), HighdicomTables) else "dicomhelp.standard"


def _title(module_id: str) -> str:
    words = module_id.replace("-", " ").split()
    keep = {"sr", "sc", "ct", "mr", "us", "nm", "pet", "rt", "icc", "lut", "voi", "sop", "xa", "dx", "cr"}
    return " ".join(w.upper() if w in keep else w.capitalize() for w in words)


class HighdicomTables:
    """The validator's questions answered from ``highdicom/_standard/*.json``.

    highdicom's JSON holds the usage letters as PS3.3 prints them (M/C/U);
    only its ``ModuleUsageValues`` enum swaps CONDITIONAL and USER_OPTIONAL,
    so the letters are used directly, never through that enum.
    """

    def __init__(self) -> None:
        import highdicom._standard as std

        root = Path(list(std.__path__)[0])
        self._sop = json.loads((root / "sop_class_iod_map.json").read_text())
        self._iods = json.loads((root / "iod_module_map.json").read_text())
        self._modules_raw = json.loads((root / "module_attribute_map.json").read_text())
        self._module_cache: dict[str, Any] = {}

    def iod_for_sop_class(self, uid: str) -> Any:
        iod_id = self._sop.get(str(uid))
        return self.iod(iod_id) if iod_id else None

    def iod(self, id_or_name: str) -> Any:
        from dicomhelp.standard.model import IODInfo, ModuleUsage

        rows = self._iods.get(id_or_name)
        if rows is None:
            return None
        modules = tuple(
            ModuleUsage(module_id=r["key"], name=_title(r["key"]), usage=r["usage"], condition=None,
                        information_entity=r.get("ie"))
            for r in rows
        )
        return IODInfo(id=id_or_name, name=_title(id_or_name), modules=modules)

    def module(self, module_id: str) -> Any:
        from pydicom.datadict import tag_for_keyword

        from dicomhelp.standard.model import ModuleAttribute, ModuleInfo

        if module_id in self._module_cache:
            return self._module_cache[module_id]
        rows = self._modules_raw.get(module_id)
        if rows is None:
            return None
        attrs = []
        for r in rows:
            tag = tag_for_keyword(r["keyword"])
            if tag is None:
                continue
            attrs.append(ModuleAttribute(path=tuple(r["path"]), keyword=r["keyword"], tag=tag, type=r["type"]))
        info = ModuleInfo(id=module_id, name=_title(module_id), attributes=tuple(attrs))
        self._module_cache[module_id] = info
        return info

    def attribute(self, tag_or_keyword: int | str) -> Any:
        from pydicom.datadict import get_entry, tag_for_keyword

        from dicomhelp.standard.model import AttributeInfo

        tag = tag_for_keyword(tag_or_keyword) if isinstance(tag_or_keyword, str) else tag_or_keyword
        if tag is None:
            return None
        try:
            vr, vm, name, retired, keyword = get_entry(tag)
        except KeyError:
            return None
        return AttributeInfo(tag=tag, keyword=keyword, name=name, vr=vr, vm=vm, retired=retired == "Retired")

    def sr_relationship_constraints(self, iod_id: str) -> tuple[tuple[str, str, str], ...]:
        return ()
