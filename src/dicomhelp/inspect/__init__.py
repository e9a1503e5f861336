"""The tree model of a dataset and its renderers.

- :mod:`dicomhelp.inspect.tree`: :func:`build_tree` -> :class:`Tree` of :class:`Node`
  (element / sequence / item / pixel summary, with element paths and SR positions);
- :mod:`dicomhelp.inspect.text`: the seed's dump format (:func:`render_text`);
- :mod:`dicomhelp.inspect.dicom_json`: the DICOM JSON model (:func:`to_dicom_json`);
- :mod:`dicomhelp.inspect.srtree`: the SR content-item walker (:func:`iter_content_items`);
- :mod:`dicomhelp.inspect.srview`: the SR view (:func:`render_sr`).

>>> from dicomhelp.io import read_file, sample_file
>>> lines = dump_lines(read_file(sample_file("CT_small.dcm")))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydicom import Dataset

    from dicomhelp.io import DicomFile


def dump_lines(
    source: DicomFile | Dataset,
    *,
    meta: bool = True,
    private: bool = True,
    max_depth: int | None = None,
    pattern: str | None = None,
    max_value_length: int = 0,
    paths: bool = False,
    color: bool = False,
    explain: Callable[[int], str | None] | None = None,
    explain_item: Callable[[Any], str | None] | None = None,
) -> list[str]:
    """The dump of a file or dataset as lines of text (the seed's format)."""
    from dicomhelp.inspect.text import render_text
    from dicomhelp.inspect.tree import build_tree, filter_tree

    tree = build_tree(source, meta=meta, private=private)
    nodes = filter_tree(tree.nodes, pattern) if pattern else tree.nodes
    return list(render_text(nodes, max_value_length=max_value_length, paths=paths, max_depth=max_depth,
                            color=color, explain=explain, explain_item=explain_item))
