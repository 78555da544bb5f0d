"""Read a source document: bytes in, clean NFC text and its reading view out, with a map back.

Decodes UTF-8 (with or without BOM), UTF-16 (BOM or NUL-pattern detected) and
Windows-1258; normalises to NFC; refuses binary, empty and legacy-font (TCVN3/VNI)
text with one clear message; cuts website boilerplate (reader comments, share
buttons) from the end.  `SourceText.original_offset` maps an offset in the clean
text back to the decoded original, so every fact can point at its source span.
`SourceText.view` is the reading view of the text (`kg.reading`: markup neutralised, hard
wraps joined, cell-per-line tables as rows) with the same length and offsets: readers read
the view, quotes are cut from the text.
"""
from __future__ import annotations

import html.parser
import re
import unicodedata
import zipfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

from .errors import SourceDecodeError
from .lexicon import lexicon
from .reading import reading_view
from .text import fold_aligned

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")

_VIETNAMESE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"}


@dataclass(frozen=True)
class SourceText:
    """A decoded, NFC-normalised document and where its text came from."""

    path: Path
    text: str
    encoding: str
    original: str
    _offsets: array | None = field(default=None, repr=False, compare=False)
    warnings: tuple[str, ...] = ()
    view: str = field(default="", repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    def original_offset(self, offset: int) -> int:
        """Offset in the decoded original text of `offset` in the clean text."""
        if self._offsets is None:
            return offset
        if offset >= len(self._offsets):
            return len(self.original)
        return self._offsets[offset]


def read_source(path: str | Path) -> SourceText:
    """Read one document; raise SourceDecodeError naming the file and the problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SourceDecodeError(f"{path}: cannot read file ({e.strerror or e})") from e
    suffix = path.suffix.lower()
    if suffix == ".docx":
        original, encoding = _docx_text(path, data), "docx"
    else:
        original, encoding = decode_bytes(data, path)
        if suffix in (".html", ".htm"):
            original = _html_text(original)
    if not original.strip():
        raise SourceDecodeError(f"{path}: file is empty (no text to read)")
    _refuse_legacy_font(original, path)
    text, offsets = normalise(original)
    text, warnings = _cut_boilerplate(text)
    return SourceText(path=path, text=text, encoding=encoding, original=original,
                      _offsets=offsets, warnings=warnings, view=reading_view(text))


def text_source(text: str, name: str = "snippet.txt") -> SourceText:
    """A document given as a string (tests, rule rows): NFC-normalised, with its reading view."""
    clean, offsets = normalise(text)
    return SourceText(path=Path(name), text=clean, encoding="utf-8", original=text, _offsets=offsets,
                      view=reading_view(clean))


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode bytes as UTF-8, UTF-16 or Windows-1258; refuse binary or empty input."""
    if not data.strip():
        raise SourceDecodeError(f"{path}: file is empty (no text to read)")
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", path), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", path), "utf-16"
    sample = data[:4096]
    nul = sample.count(0)
    if nul:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if nul > len(sample) // 4 and (odd > 0.9 * nul or even > 0.9 * nul):
            enc = "utf-16-le" if odd > even else "utf-16-be"
            return _decode(data, enc, path), enc
        raise SourceDecodeError(f"{path}: looks like a binary file (NUL bytes), not a text document")
    try:
        text, enc = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, enc = data.decode("cp1258"), "windows-1258"
        except UnicodeDecodeError as e:
            raise SourceDecodeError(
                f"{path}: not UTF-8, UTF-16 or Windows-1258 text (undecodable byte at {e.start})"
            ) from e
    controls = sum(1 for c in text[:20000] if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    if controls > max(8, len(text[:20000]) // 50):
        raise SourceDecodeError(f"{path}: looks like a binary file (control bytes), not a text document")
    return text, enc


def _decode(data: bytes, encoding: str, path: Path | str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise SourceDecodeError(f"{path}: invalid {encoding} text (undecodable byte at {e.start})") from e


def _refuse_legacy_font(text: str, path: Path) -> None:
    """TCVN3 (ABC) and VNI text decodes to Latin-1 look-alikes: refuse it, do not guess."""
    letters = [c for c in text[:50000] if c.isalpha() and c > "\x7f"]
    if len(letters) < 30:
        return
    vietnamese = 0
    for c in letters:
        d = unicodedata.normalize("NFD", c)
        if c in "đĐ" or (d[0].isascii() and all(m in _VIETNAMESE_MARKS for m in d[1:])):
            vietnamese += 1
    if vietnamese / len(letters) < 0.6:
        raise SourceDecodeError(
            f"{path}: text looks like a legacy Vietnamese font encoding (TCVN3/ABC or VNI); "
            "convert it to Unicode (e.g. with UniKey's converter) and build again"
        )


def normalise(original: str) -> tuple[str, array | None]:
    """NFC-normalise; return the text and, if it changed, a clean→original offset map."""
    if unicodedata.is_normalized("NFC", original):
        return original, None
    out: list[str] = []
    offsets = array("l")
    # Normalise cluster by cluster (a starter plus its combining marks).
    for m in re.finditer(r"(?s).[\u0300-\u036f\u0323\u0309\u031b]*", original):
        piece = unicodedata.normalize("NFC", m.group())
        out.append(piece)
        offsets.extend([m.start()] * len(piece))
    return "".join(out), offsets


def _cut_boilerplate(text: str) -> tuple[str, tuple[str, ...]]:
    """Cut the comments / share / related-news tail of a scraped page (in the second half only)."""
    folded = fold_aligned(text)
    half = len(text) // 2
    tail = re.compile(r"^[\s*#|>_]*" + lexicon().alternation("boilerplate_tail"), re.MULTILINE)
    for m in tail.finditer(folded, half):
        return text[: m.start()].rstrip(), (f"dropped {len(text) - m.start()} characters of website boilerplate",)
    return text, ()


class _HTMLText(html.parser.HTMLParser):
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                                  "article", "table"}
    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "nav", "footer", "header", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _html_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    text = "".join(parser.parts)
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text).strip()


def _docx_text(path: Path, data: bytes) -> str:
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise SourceDecodeError(f"{path}: not a readable .docx file ({e})") from e
    paragraphs = []
    for p in root.iter(f"{ns}p"):
        paragraphs.append("".join(t.text or "" for t in p.iter(f"{ns}t")))
    return "\n".join(paragraphs)
