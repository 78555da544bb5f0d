"""Heading tree of a document: parts, articles, numbered and lettered items, bullets, table rows.

`parse` takes the paragraphs of the one segmenter (`kg.segment`, on the reading view where
hard wraps are already joined and markup neutralised), reads each paragraph's marker
(``II.``, ``Điều 3.``, ``2.1.``, ``b)``, ``-``, ``+``, ``*``, ``Một là,``) and nests markers
by the order in which they appear.  A list that restarts at ``1.``/``a)`` after a later
number opens an implicit section (its lost heading).  Every node keeps its span in the text.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar, overload

from .segment import Paragraph, paragraphs
from .text import fold_aligned

_ORDINALS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


_T = TypeVar("_T")


class _once(Generic[_T]):
    """A property computed once per node, on first use, and then read as a plain attribute (what
    `functools.cached_property` does, without the lock it takes on Python 3.11: a document's
    readers ask tens of thousands of nodes)."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, node: None, owner: type | None = None) -> _once[_T]: ...

    @overload
    def __get__(self, node: object, owner: type | None = None) -> _T: ...

    def __get__(self, node: object | None, owner: type | None = None) -> _T | _once[_T]:
        if node is None:
            return self
        found = node.__dict__[self.name] = self.compute(node)
        return found


@dataclass
class Node:
    """One paragraph of the document with its marker, span and place in the tree."""

    kind: str                 # marker kind ("num", "letter", ..., "para", "caps", "root", "implicit")
    label: str                # the marker as written ("2.", "b)", "-"), "" for none
    start: int                # span of the whole paragraph in the clean text
    end: int
    body_start: int           # where the text after the marker starts
    ordinal: int = 0
    depth_key: str = ""       # kind plus numbering depth, used for nesting
    parent: Node | None = field(default=None, repr=False)
    children: list[Node] = field(default_factory=list, repr=False)
    text: str = field(default="", repr=False)
    cells: tuple[tuple[int, int], ...] = ()   # a table row's cell spans
    bold: bool = False                        # written in bold as a whole: a heading
    folded: str | None = field(default=None, repr=False)   # `text` folded, when the parser had the folded view
    atx: int = 0                              # its markdown heading level ("## ...": 2), 0 for none

    @_once
    def body(self) -> str:
        return self.text[self.body_start - self.start:]

    @_once
    def folded_body(self) -> str:
        """The body folded (`fold_aligned`), computed once: heading rules ask for it again and again."""
        if self.folded is not None:
            return self.folded[self.body_start - self.start:]
        return fold_aligned(self.body)

    @_once
    def is_heading(self) -> bool:
        """Short, not a sentence: a title that governs what follows."""
        body = self.body.strip().rstrip("*").strip()
        if not body:
            return False
        if body.endswith(":") or ((self.bold or self.atx) and len(body) < 400):
            return True
        if len(body) > 160 or body.endswith((".", ";", ",")):
            return False
        return "." not in body.rstrip(".")[-120:] or self.kind in ("caps",)

    @_once
    def is_intro(self) -> bool:
        return self.body.strip().rstrip("*").strip().endswith(":")

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        """The node and every node below it, in document order (parents first)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def parse(view: str, text: str | None = None, folded: str | None = None) -> Node:
    """Build the heading tree of a document from its reading view (`kg.reading`) and text (`folded`:
    the view folded with `fold_aligned`, when the caller has it)."""
    root = Node("root", "", 0, len(view), 0, depth_key="root", text=view, folded=folded)
    stack: list[Node] = [root]
    for p in paragraphs(view, text):
        node = _classify(view, p)
        if folded is not None:
            node.folded = folded[p.start:p.end]
        node.atx = p.atx
        if node.atx and node.kind != "row":
            _attach_atx(stack, node)
        else:
            _attach(stack, node)
    return root


def _classify(view: str, p: Paragraph) -> Node:
    body = view[p.start:p.end]
    if p.is_row:
        return Node("row", "", p.start, p.end, p.start, depth_key="row", text=body, cells=p.cells)
    if p.marker is None:
        kind = "caps" if len(body) < 250 and _mostly_capitals(body) else "para"
        return Node(kind, "", p.start, p.end, p.start, depth_key=kind, text=body, bold=p.bold)
    kind, label = p.marker.kind, p.marker.label
    ordinal, depth_key = 0, kind
    if kind == "num":
        parts = label.split(".")
        ordinal, depth_key = int(parts[-1]), f"num{len(parts)}"
    elif kind == "letter":
        ordinal = "abcdđefghiklmnopqrstuvxy".find(label) + 1
    elif kind == "roman":
        ordinal = _roman(label)
    elif kind == "paren":
        ordinal = int(label)
    elif kind == "paren_roman":
        ordinal = _roman(label.upper())
    elif kind == "dieu":
        ordinal = int(label)
    elif kind == "ordinal":
        ordinal = _ORDINALS.get(label.lower(), 0)
    elif kind == "part":
        ordinal = _roman(label) if re.fullmatch(r"[IVX]+", label) else (int(label) if label.isdigit() else 0)
    return Node(kind, label, p.start, p.end, p.body_start, ordinal=ordinal, depth_key=depth_key, text=body,
                bold=p.bold)


def _mostly_capitals(body: str) -> bool:
    """At least four letters, more than 80 % of them capitals ("KẾ HOẠCH", "I. MỤC TIÊU")."""
    cases = body.translate(_letter_cases())   # each letter as "U" (a capital) or "l", the rest dropped
    letters, capitals = len(cases), cases.count("U")
    if letters != capitals + cases.count("l"):   # a character beyond the table: count one by one
        found = list(filter(str.isalpha, body))
        letters, capitals = len(found), sum(map(str.isupper, found))
    return letters >= 4 and capitals / letters > 0.8


@lru_cache(maxsize=1)
def _letter_cases() -> tuple[str | None, ...]:
    """Latin, Vietnamese, Greek, Cyrillic and the punctuation after them (up to U+2100)."""
    return tuple(("U" if c.isupper() else "l") if c.isalpha() else None for c in map(chr, range(0x2100)))


def _roman(label: str) -> int:
    total = 0
    for i, ch in enumerate(label):
        v = _ROMAN_VALUES[ch]
        total += -v if i + 1 < len(label) and _ROMAN_VALUES[label[i + 1]] > v else v
    return total


_RANK = {"root": 0, "caps": 1, "part": 1, "upper": 2, "roman": 2, "dieu": 3}


def _attach(stack: list[Node], node: Node) -> None:
    if node.kind == "caps":
        del stack[1:]
        _adopt(stack[0], node)
        stack.append(node)
        return
    if node.kind in ("para", "row"):
        if node.kind == "para" and node.is_heading:
            # a paragraph that heads what follows ("Căn cứ ... như sau:", "Bước 2: ...") closes the
            # unnumbered intro before it: such intros hold their items, not one another
            while True:
                heads = [i for i in range(1, len(stack)) if stack[i].is_heading]
                if not heads or not stack[heads[-1]].depth_key.startswith("intro@"):
                    break
                del stack[heads[-1]:]
        parent = stack[-1]
        while parent.parent is not None and not parent.is_heading and parent.kind not in ("implicit", "caps"):
            parent = parent.parent
        _adopt(parent, node)
        while stack[-1] is not parent and len(stack) > 1:
            stack.pop()
        if node.kind == "para" and node.is_intro:
            node.depth_key = f"intro@{node.start}"
            stack.append(node)
        return
    found = _list_of(stack, node.depth_key)
    if found is not None:
        parent, previous = found
        del stack[stack.index(parent) + 1:]
        if node.ordinal == 1 and previous.ordinal > 1 and node.kind not in ("dash", "plus", "star", "dot"):
            # The list restarts: a heading between the two lists was lost.  Open an implicit section.
            if parent.kind == "implicit" and len(stack) > 1:
                stack.pop()
                parent = stack[-1]
            group = Node("implicit", "", node.start, node.start, node.start, depth_key=f"implicit@{node.start}",
                         text="")
            _adopt(parent, group)
            stack.append(group)
            parent = group
        _adopt(parent, node)
        stack.append(node)
        return
    # A deeper marker nests under the current top, a higher-ranked one closes lower ones.
    rank = _RANK.get(node.kind)
    if rank is not None:
        while len(stack) > 1 and _RANK.get(stack[-1].kind, 99) >= rank:
            stack.pop()
    _adopt(stack[-1], node)
    stack.append(node)


def _attach_atx(stack: list[Node], node: Node) -> None:
    """A markdown heading ("## Cơ quan thực hiện") closes every list and heading below its level, whatever
    marker it opens with: it goes under the nearest open markdown heading of a higher level (or the root)."""
    while len(stack) > 1 and not (stack[-1].atx and stack[-1].atx < node.atx):
        stack.pop()
    _adopt(stack[-1], node)
    stack.append(node)


def _list_of(stack: list[Node], depth_key: str) -> tuple[Node, Node] | None:
    """The open list a marker continues: (its parent, the previous item), nearest first.

    The previous item may have left the stack (a paragraph after a long item climbs to the
    heading above it): its parent still holds it, so "3." continues the list of "1.", "2.".
    """
    for i in range(len(stack) - 1, 0, -1):
        if stack[i].depth_key == depth_key:
            return stack[i - 1], stack[i]
        same = [c for c in stack[i].children if c.depth_key == depth_key]
        if same:
            return stack[i], same[-1]
        if stack[i].atx:
            return None   # a markdown heading closed the lists above it
    same = [c for c in stack[0].children if c.depth_key == depth_key]
    return (stack[0], same[-1]) if same else None


def _adopt(parent: Node, child: Node) -> None:
    child.parent = parent
    parent.children.append(child)
    if parent.kind == "implicit" and parent.end < child.end:
        parent.end = child.end


def heading_text(node: Node) -> str:
    """Folded body text of a node, without decorations: what heading rules look at."""
    return node.folded_body.strip(" *:.").strip()


def outline(root: Node, width: int = 70) -> str:
    """Indented outline of the tree (for tests and debugging)."""
    lines = []

    def visit(n: Node, depth: int) -> None:
        if n.kind != "root":
            label = f"[{n.kind}{' ' + n.label if n.label else ''}] "
            lines.append("  " * depth + label + n.body[:width].replace("\n", " "))
        for c in n.children:
            visit(c, depth + 1 if n.kind != "root" else 0)

    visit(root, 0)
    return "\n".join(lines)
