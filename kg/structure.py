"""Heading tree of a document: parts, articles, numbered and lettered items, bullets.

Texts arrive hard-wrapped, with markdown leftovers (``|``, ``**``, ``#``) and with
headings lost in scraping.  `parse` first rebuilds paragraphs (a line that does not
end a sentence and a next line that starts in lower case are one paragraph), then
reads each paragraph's marker (``II.``, ``Điều 3.``, ``2.1.``, ``b)``, ``-``, ``+``,
``*``, ``Một là,``) and nests markers by the order in which they appear.  A list
that restarts at ``1.``/``a)`` after a later number opens an implicit section (its
lost heading).  Every node keeps its span in the clean text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import fold_aligned

_ROMAN = r"(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)"
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("dieu", re.compile(r"Điều\s+(\d+)\s*[.:]\s*")),
    ("roman", re.compile(rf"({_ROMAN})\s*[.\-–:]\s+")),
    ("num", re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\s*[.)]\s+(?!\d)")),
    ("letter", re.compile(r"([a-zđ])\s*\)\s+")),
    ("ordinal", re.compile(r"(Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)\s+là\s*[,:]\s*")),
    ("dash", re.compile(r"([-–−])\s*")),
    ("plus", re.compile(r"(\+)\s*")),
    ("star", re.compile(r"(\\?\*)(?!\*)\s*")),
    ("dot", re.compile(r"([•●▪◦·])\s*")),
]
_ORDINALS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_DECOR = " \t|#*>_"
_BINDING_WORDS = {"cua", "va", "cac", "voi", "cho", "tai", "ve", "tren", "theo", "thuoc", "nhu", "la", "cung", "hoac",
                  "gom", "trong", "tu", "den", "nhung", "mot", "duoc", "bang", "do", "toi", "thieu", "nhat", "dat"}
_RULE = re.compile(r"[-*_=~\s]{3,}$")


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
    parent: "Node | None" = field(default=None, repr=False)
    children: list["Node"] = field(default_factory=list, repr=False)
    text: str = field(default="", repr=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start - self.start:]

    @property
    def is_heading(self) -> bool:
        """Short, not a sentence: a title that governs what follows."""
        body = self.body.strip().rstrip("*").strip()
        if not body:
            return False
        if body.endswith(":"):
            return True
        if len(body) > 160 or body.endswith((".", ";", ",")):
            return False
        return "." not in body.rstrip(".")[-120:] or self.kind in ("caps",)

    @property
    def is_intro(self) -> bool:
        return self.body.strip().rstrip("*").strip().endswith(":")

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def parse(text: str) -> Node:
    """Build the heading tree of `text` (the clean NFC text of one document)."""
    root = Node("root", "", 0, len(text), 0, depth_key="root", text=text)
    stack: list[Node] = [root]
    for start, end in paragraphs(text):
        node = _classify(text, start, end)
        _attach(stack, node)
    return root


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Logical paragraphs: hard-wrapped lines re-joined, decorations trimmed."""
    lines: list[tuple[int, int]] = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s] in _DECOR and not _is_star_bullet(text, s, e):
            s += 1
        while e > s and text[e - 1] in _DECOR + "\r":
            e -= 1
        if e > s and text[s:e].strip() and not _RULE.match(text, s, e):
            lines.extend(_split_long(text, s, e))
    paras: list[list[int]] = []
    for s, e in lines:
        if paras and _continues(text, paras[-1], s, e):
            paras[-1][1] = e
        else:
            paras.append([s, e])
    return [(s, e) for s, e in paras]


def _is_star_bullet(text: str, s: int, e: int) -> bool:
    return text[s] == "*" and s + 1 < e and text[s + 1] in " \t" and not text[s + 1:e].strip().startswith("*")


def _split_long(text: str, s: int, e: int, limit: int = 20000) -> list[tuple[int, int]]:
    """Cut pathological single lines (megabytes without a newline) into bounded pieces."""
    if e - s <= limit:
        return [(s, e)]
    pieces, cur = [], s
    while e - cur > limit:
        cut = text.rfind(". ", cur, cur + limit)
        cut = cut + 1 if cut > cur + limit // 2 else cur + limit
        pieces.append((cur, cut))
        cur = cut
        while cur < e and text[cur] == " ":
            cur += 1
    if cur < e:
        pieces.append((cur, e))
    return pieces


def _continues(text: str, prev: list[int], s: int, e: int) -> bool:
    """Does the line [s, e) continue the paragraph `prev` (a hard wrap, not a new item)?"""
    last = text[prev[1] - 1]
    first = text[s]
    if prev[1] - prev[0] > 50000:
        return False
    if first in ",;)" or (first == "." and not text[s:e].startswith("..")):
        return True
    if _marker_of(text, s, e) is not None:
        return False
    if last in ",;":
        return True
    if last in ".:!?":
        return False
    gap = text[prev[1]:s]
    if gap.count("\n") > 3:
        return False
    prev_text = text[prev[0]:prev[1]]
    if prev_text.isupper() or not prev_text.strip():
        return False
    if first.islower():
        return True
    # A hard wrap before a number ("tối thiểu\n80% ...") or a name ("của\nỦy ban ...") inside a long line.
    last_line = prev_text[prev_text.rfind("\n") + 1:]
    last_word = fold_aligned(last_line.rsplit(None, 1)[-1]) if last_line.split() else ""
    if not (last.isalpha() and last.islower() and (first.isdigit() or first.isupper()) and gap.count("\n") == 1):
        return False
    return len(last_line) > 60 or last_word in _BINDING_WORDS


def _marker_of(text: str, s: int, e: int):
    line = text[s:e]
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            if kind in ("dash", "plus", "star", "dot") and m.end() >= len(line):
                return None
            if kind == "num" and re.match(r"\d{1,2}\.\d{3}", line):
                return None
            return kind, m
    return None


def _classify(text: str, start: int, end: int) -> Node:
    found = _marker_of(text, start, end)
    body = text[start:end]
    if found is None:
        letters = [c for c in body if c.isalpha()]
        caps = len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(body) < 250
        kind = "caps" if caps else "para"
        return Node(kind, "", start, end, start, depth_key=kind, text=body)
    kind, m = found
    label = m.group(1)
    ordinal, depth_key = 0, kind
    if kind == "num":
        parts = label.split(".")
        ordinal, depth_key = int(parts[-1]), f"num{len(parts)}"
    elif kind == "letter":
        ordinal = "abcdđefghiklmnopqrstuvxy".find(label) + 1
    elif kind == "roman":
        ordinal = _roman(label)
    elif kind == "dieu":
        ordinal = int(label)
    elif kind == "ordinal":
        ordinal = _ORDINALS.get(label.lower(), 0)
    return Node(kind, label, start, end, start + m.end(), ordinal=ordinal, depth_key=depth_key, text=body)


def _roman(label: str) -> int:
    total = 0
    for i, ch in enumerate(label):
        v = _ROMAN_VALUES[ch]
        total += -v if i + 1 < len(label) and _ROMAN_VALUES[label[i + 1]] > v else v
    return total


_RANK = {"root": 0, "caps": 1, "roman": 2, "dieu": 3}


def _attach(stack: list[Node], node: Node) -> None:
    if node.kind == "caps":
        del stack[1:]
        _adopt(stack[0], node)
        stack.append(node)
        return
    if node.kind == "para":
        parent = stack[-1]
        while parent.parent is not None and not parent.is_heading and parent.kind not in ("implicit", "caps"):
            parent = parent.parent
        _adopt(parent, node)
        while stack[-1] is not parent and len(stack) > 1:
            stack.pop()
        if node.is_intro:
            node.depth_key = f"intro@{node.start}"
            stack.append(node)
        return
    keys = [n.depth_key for n in stack]
    if node.depth_key in keys:
        i = keys.index(node.depth_key)
        previous = stack[i]
        del stack[i:]
        parent = stack[-1]
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


def _adopt(parent: Node, child: Node) -> None:
    child.parent = parent
    parent.children.append(child)
    if parent.kind == "implicit" and parent.end < child.end:
        parent.end = child.end


def heading_text(node: Node) -> str:
    """Folded body text of a node, without decorations: what heading rules look at."""
    return fold_aligned(node.body).strip(" *:.").strip()


def outline(root: Node, width: int = 70) -> str:
    """Indented outline of the tree (for tests and debugging)."""
    lines = []

    def visit(n: Node, depth: int) -> None:
        if n.kind != "root":
            lines.append("  " * depth + f"[{n.kind}{' ' + n.label if n.label else ''}] " + n.body[:width].replace("\n", " "))
        for c in n.children:
            visit(c, depth + 1 if n.kind != "root" else 0)

    visit(root, 0)
    return "\n".join(lines)
