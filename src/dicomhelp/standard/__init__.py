"""The knowledge layer: dictionaries, IODs, modules, codes and templates behind one lookup API.

    from dicomhelp.standard import knowledge
    k = knowledge()
    k.attribute("PatientName").vr          # 'PN'
    k.iod_for_sop_class("1.2.840.10008.5.1.4.1.1.7").modules

See :class:`dicomhelp.standard.knowledge.Knowledge` and /work/notes/knowledge_api.md.
"""

from __future__ import annotations

from dicomhelp.standard.knowledge import Knowledge, knowledge, reset
from dicomhelp.standard.model import (
    AttributeInfo,
    AttributeUse,
    CIDInfo,
    CIDUse,
    CodeDefinition,
    CodeInfo,
    CodeUse,
    IODInfo,
    ModuleAttribute,
    ModuleInfo,
    ModuleUsage,
    SchemeInfo,
    SourceInfo,
    TIDInfo,
    TIDRow,
    UIDInfo,
    VRInfo,
)

__all__ = [
    "AttributeInfo", "AttributeUse", "CIDInfo", "CIDUse", "CodeDefinition", "CodeInfo", "CodeUse", "IODInfo", "Knowledge",
    "ModuleAttribute", "ModuleInfo", "ModuleUsage", "SchemeInfo", "SourceInfo", "TIDInfo", "TIDRow", "UIDInfo", "VRInfo", "knowledge", "reset",
]
