"""Vietnamese text helpers: NFC, diacritic folding that keeps offsets, sentence spans.

`fold` is the one matching function used everywhere: it lowercases, strips every
diacritic (so old and new tone placement, ``Uỷ``/``Ủy`` and ``hoà``/``hòa``, fold alike)
and maps ``đ`` to ``d``.  `fold_aligned` does the same character by character, so an
offset found in the folded text is an offset in the original NFC text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch < "\x80":
        return ch.lower()
    low = ch.lower()
    if len(low) != 1:
        low = ch
    if low in "đð":
        return "d"
    base = unicodedata.normalize("NFD", low)[0]
    if unicodedata.category(base) == "Mn":
        return " "
    return base


_RANGES = ((0x00, 0x250), (0x300, 0x370), (0x1E00, 0x1F00), (0x2000, 0x2070))
_TABLE = {cp: _fold_char(chr(cp)) for lo, hi in _RANGES for cp in range(lo, hi) if _fold_char(chr(cp)) != chr(cp)}


def fold_aligned(text: str) -> str:
    """Fold each character to one character: same length as `text`, offsets kept."""
    return text.translate(_TABLE)


def fold(text: str) -> str:
    """Lowercase, strip diacritics, collapse whitespace: the key for every lookup."""
    folded = fold_aligned(unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", folded).strip()


def strip_span(text: str, start: int, end: int, chars: str = " \t\r\n,;:.-–+*•|#") -> tuple[int, int]:
    """Narrow [start, end) so it neither starts nor ends with the given characters."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


_SENT_END = re.compile(r"[.!?…]+(?=\s+[\"“(]?[A-ZĐÀ-Ỹ0-9])")
_NOT_END = re.compile(r"\b(?:TP|Tp|TS|ThS|PGS|GS|v\.v|St|Nxb)$")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split text[start:end] into sentence spans (absolute offsets), stripped of spaces."""
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _SENT_END.finditer(text, start, end):
        if _NOT_END.search(text, max(cur, m.start() - 6), m.start()):
            continue
        s, e = strip_span(text, cur, m.end(), " \t\r\n")
        if e > s:
            spans.append((s, e))
        cur = m.end()
    s, e = strip_span(text, cur, end, " \t\r\n")
    if e > s:
        spans.append((s, e))
    return spans
