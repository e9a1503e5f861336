"""The seed's text format: ``VR (gggg, eeee)`` + 8 spaces per level + keyword + value.

    CS (0040, a491) CompletionFlag                                  COMPLETE
    SQ (0040, a730) ContentSequence(5)
    1.1 -----------    1
    CS (0040, a010)         RelationshipType                                HAS CONCEPT MOD

Plain strings and ANSI codes only: this module is on ``dump``'s start-up path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dicomhelp.inspect.tree import Node

INDENT = " " * 8
KEYWORD_WIDTH = 48
TAG_COLUMN = 16  # len("CS (0040, a491) ")

# ANSI styles, used only when colour is on.
DIM, CYAN, YELLOW, MAGENTA, RED, BOLD, RESET = (
    "\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[31m", "\x1b[1m", "\x1b[0m",
)


def render_text(
    nodes: list[Node],
    *,
    max_value_length: int = 0,
    paths: bool = False,
    max_depth: int | None = None,
    color: bool = False,
    explain: Callable[[int], str | None] | None = None,
    explain_item: Callable[[Node], str | None] | None = None,
) -> Iterator[str]:
    """Yield the lines of a dump of ``nodes`` (see the module docstring).

    ``explain(tag)`` adds a line under each element; ``explain_item(node)`` one
    under the separator of each SR content item (its concept and value together).
    """
    style = _Style(color)
    for node in nodes:
        yield from _lines(node, max_value_length, paths, max_depth, style, explain, explain_item)


class _Style:
    def __init__(self, on: bool):
        self.on = on

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.on and text else text


def _lines(node: Node, max_len: int, paths: bool, max_depth: int | None, style: _Style,
           explain: Callable[[int], str | None] | None,
           explain_item: Callable[[Node], str | None] | None = None) -> Iterator[str]:
    if max_depth is not None and node.depth > max_depth:
        return
    if node.kind == "item":
        yield from _item_lines(node, max_len, paths, max_depth, style, explain, explain_item)
        return
    head = style(DIM, f"{node.vr or '??':2} {node.tag_text} ") + INDENT * node.depth
    if node.kind == "sequence":
        line = head + style(YELLOW, f"{node.keyword}({node.count})")
    else:
        # The pixel summary is ours and short enough: only element values are cut.
        value = node.value if node.kind == "pixel" else _clip(node.value, max_len)
        keyword = node.keyword if len(node.keyword) < KEYWORD_WIDTH else node.keyword + " "
        line = head + style(CYAN, f"{keyword:<{KEYWORD_WIDTH}}") + value
    if node.problem:
        line += "  " + style(RED, f"!! {node.problem}")
    if paths:
        line += style(DIM, f"  # {node.path}")
    yield line.rstrip() if not paths else line
    if explain is not None and node.tag is not None:
        text = explain(node.tag)
        if text:
            yield " " * TAG_COLUMN + INDENT * node.depth + style(DIM, f"  -> {text}")
    if node.kind == "sequence" and (max_depth is None or node.depth < max_depth):
        for child in node.children:
            yield from _lines(child, max_len, paths, max_depth, style, explain, explain_item)


def _item_lines(node: Node, max_len: int, paths: bool, max_depth: int | None, style: _Style,
                explain: Callable[[int], str | None] | None,
                explain_item: Callable[[Node], str | None] | None) -> Iterator[str]:
    separator = item_separator(node)
    if separator is not None:
        if node.problem:
            separator += f"  !! {node.problem}"
        yield style(MAGENTA, separator) + (style(DIM, f"  # {node.path}") if paths else "")
    elif node.problem:
        yield " " * TAG_COLUMN + INDENT * node.depth + style(RED, f"!! {node.problem}")
    if explain_item is not None and node.sr_position is not None:
        text = explain_item(node)
        if text:
            yield " " * TAG_COLUMN + INDENT * node.depth + style(DIM, f"  => {text}")
    for child in node.children:
        yield from _lines(child, max_len, paths, max_depth, style, explain, explain_item)


def item_separator(node: Node) -> str | None:
    """The line before an item: the seed's ``1.1 -----------    1`` for SR content
    items, a delimiter with the 0-based index where a sequence has several items,
    nothing for the single item of an ordinary sequence (as in the seed)."""
    if node.sr_position is not None:
        return f"{node.sr_position} ----------- {node.index + 1 if node.index is not None else 0:>4}"
    if node.count > 1:
        return " " * TAG_COLUMN + INDENT * (node.depth + 1) + f"--- item [{node.index}] of {node.count} ---"
    return None


def _clip(value: str, max_len: int) -> str:
    if max_len and len(value) > max_len:
        return f"{value[:max_len]}... ({len(value)} chars)"
    return value
