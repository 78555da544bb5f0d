"""Read a source document: bytes in, clean NFC text and its reading view out, with a map back.

Decodes UTF-8 (with or without BOM), UTF-16 (BOM or NUL-pattern detected) and
Windows-1258; normalises to NFC; refuses binary, empty, oversized and legacy-font
(TCVN3/VNI) text with one clear message; cuts website boilerplate (reader comments, share
buttons) from the end.  A .docx is read as a zip of untrusted data: encrypted entries,
unknown compression and zip bombs are refused before and while decompressing.  Every
message names the file as `shown` prints it (a name that is not UTF-8 shows its bytes
as escapes), on one line.  `SourceText.original_offset` maps an offset in the clean
text back to the decoded original, so every fact can point at its source span.
`SourceText.view` is the reading view of the text (`kg.reading`: markup neutralised, hard
wraps joined, cell-per-line tables as rows) with the same length and offsets: readers read
the view, quotes are cut from the text.
"""
from __future__ import annotations

import html.parser
import re
import stat
import unicodedata
import zipfile
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

from .errors import SourceDecodeError, one_line, shown
from .lexicon import lexicon
from .reading import reading_view
from .text import fold_aligned

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")

MAX_SOURCE_BYTES = 64 << 20    # a real document is a few MB; a larger file is refused, not read into memory
MAX_DOCX_XML_BYTES = 64 << 20  # decompressed word/document.xml: counted as it is read, whatever the header says
MAX_DOCX_RATIO = 500           # Word XML deflates 5-30:1 (300:1 when very repetitive); a bomb ~1000:1


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
        return shown(self.path.name)

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
    name = shown(path)
    suffix = path.suffix.lower()
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise SourceDecodeError(f"{name}: not a regular file (a folder, device, pipe or socket)")
        limit = MAX_SOURCE_BYTES * (4 if suffix == ".docx" else 1)   # a .docx also holds its images
        if info.st_size > limit:
            raise SourceDecodeError(f"{name}: file is too large ({info.st_size >> 20} MB; the limit is "
                                    f"{limit >> 20} MB): split it and build again")
        data = b"" if suffix == ".docx" else path.read_bytes()
    except OSError as e:
        raise SourceDecodeError(f"{name}: cannot read file ({e.strerror or one_line(e)})") from e
    if suffix == ".docx":
        original, encoding = _docx_text(path), "docx"
    else:
        original, encoding = decode_bytes(data, name)
        if suffix in (".html", ".htm"):
            original = _html_text(original)
    if not original.strip():
        raise SourceDecodeError(f"{name}: file is empty (no text to read)")
    _refuse_legacy_font(original, name, "cp1258" if encoding == "windows-1258" else "cp1252")
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
    path = shown(path)
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
    controls = len(_CONTROL.findall(text, 0, 20000))
    if controls > max(8, len(text[:20000]) // 50):
        raise SourceDecodeError(f"{path}: looks like a binary file (control bytes), not a text document")
    return text, enc


# Control characters (Unicode category Cc) other than the whitespace ones (\t \n \v \f \r).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _decode(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise SourceDecodeError(f"{path}: invalid {encoding} text (undecodable byte at {e.start})") from e


def _refuse_legacy_font(text: str, name: str, codec: str = "cp1252") -> None:
    """TCVN3 (ABC) and VNI text decodes to Latin-1 look-alikes ("Céng hoµ", "Coäng hoøa"): refuse it,
    do not guess.  Evidence is counted word by word in Latin-script words only (quoted Cyrillic, CJK or
    Arabic is no evidence either way): a legacy word holds a character the legacy tables use and
    Vietnamese does not, and read through the TCVN3 or VNI table it becomes a Vietnamese syllable; a
    Unicode word is a Vietnamese syllable as it stands (a word with a letter only Unicode has, "Ðảng"
    typed with Ð for Đ, is not legacy).  The text is refused when legacy words are at least as many as
    Unicode ones (and at least 5).  `codec` is how the bytes were decoded (Windows-1258 for a
    text file, Unicode look-alikes of Windows-1252 in a .docx)."""
    sample = text[:50000]
    if sample.isascii():
        return
    tables = _legacy_tables(codec)
    if not tables.any_signature.search(sample):
        return   # no character only the legacy tables use: no word can count as legacy
    legacy = unicode = 0
    for word, n in Counter(_LATIN_WORD.findall(sample)).items():
        if word.isascii():
            continue
        if not tables.signature.isdisjoint(word) and not _PRECOMPOSED.search(word):
            if _syllable(_tcvn3(word, tables)) or _syllable(_vni(word, tables)):
                legacy += n
        elif _syllable(word):
            unicode += n
    if legacy >= 5 and legacy >= unicode:
        raise SourceDecodeError(
            f"{name}: text looks like a legacy Vietnamese font encoding (TCVN3/ABC or VNI); "
            "convert it to Unicode (e.g. with UniKey's converter) and build again"
        )


# TCVN3 (ABC): one byte per letter, written as the Windows-1252 characters of those bytes.
_TCVN3_BYTES = "¸µ¶·¹¨¾»¼½Æ©ÊÇÈÉË®ÐÌÎÏÑªÕÒÓÔÖÝ×ØÜÞãßáâä«èåæçé¬íêëìîóïñòô\xadøõö÷ùýúûüþ¡¢§£¤¥¦"
_TCVN3_LETTERS = "áàảãạăắằẳẵặâấầẩẫậđéèẻẽẹêếềểễệíìỉĩịóòỏõọôốồổỗộơớờởỡợúùủũụưứừửữựýỳỷỹỵĂÂĐÊÔƠƯ"
_PDF_GLYPHS = {"\u2212": "ư", "\u2219": "ã"}   # what a PDF text layer gives for TCVN3's ư and ã
# VNI: a letter of its own (đ, ư, ơ, some i and ỵ), or a base vowel then a byte for its marks.
_VNI_LETTERS = {"ñ": "đ", "Ñ": "Đ", "ö": "ư", "Ö": "Ư", "ô": "ơ", "Ô": "Ơ", "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì",
                "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ"}
_VNI_MARKS = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323", "â": "\u0302",
              "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309", "ã": "\u0302\u0303",
              "ä": "\u0302\u0323", "ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300",
              "ú": "\u0306\u0309", "ü": "\u0306\u0303", "ë": "\u0306\u0323"}
_VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
_VIETNAMESE |= {c.upper() for c in _VIETNAMESE}
_LATIN_WORD = re.compile("[A-Za-z\u00a1-\u024f\u0300-\u036f\u1ea0-\u1ef9\u2212\u2219]+")
# Letters like ả, ồ, ự exist only in Unicode: no legacy byte decodes to one ("Ðảng" is Unicode with Ð for Đ).
_PRECOMPOSED = re.compile("[\u1ea0-\u1ef9]")
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?")


@dataclass(frozen=True)
class _LegacyTables:
    tcvn3: dict[str, str]
    letters: dict[str, str]
    marks: dict[str, str]
    signature: frozenset[str]   # characters of the tables that are not Vietnamese letters or marks
    any_signature: re.Pattern[str]   # finds one of them


@cache
def _legacy_tables(codec: str) -> _LegacyTables:
    def char(c: str) -> str:   # the character a legacy byte (given as its Windows-1252 character) became
        return c.encode("cp1252").decode(codec, "replace") if c.encode("cp1252")[0] >= 0x80 else c

    tcvn3 = {char(b): v for b, v in zip(_TCVN3_BYTES, _TCVN3_LETTERS, strict=True)} | _PDF_GLYPHS
    letters = {char(b): v for b, v in _VNI_LETTERS.items()}
    marks = {char(b): v for b, v in _VNI_MARKS.items()}
    marks |= {c.upper(): v for c, v in marks.items() if len(c.upper()) == 1}
    used = set(tcvn3) | set(letters) | set(marks)
    signature = frozenset(c for c in used if c not in _VIETNAMESE and unicodedata.category(c) != "Mn"
                          and c != "\ufffd")
    return _LegacyTables(tcvn3, letters, marks, signature,
                         re.compile("[" + "".join(re.escape(c) for c in sorted(signature)) + "]"))


def _tcvn3(word: str, tables: _LegacyTables) -> str:
    return "".join(tables.tcvn3.get(c, c) for c in word)


def _vni(word: str, tables: _LegacyTables) -> str:
    out: list[str] = []
    for c in word:
        if c in tables.marks and out and unicodedata.normalize("NFD", out[-1])[0].lower() in "aeiouy":
            out.append(tables.marks[c])
        else:
            out.append(tables.letters.get(c, c))
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=1 << 16)
def _syllable(word: str) -> bool:
    """A Vietnamese syllable with at least one Vietnamese letter outside ASCII ("việc", "Đồng")."""
    word = unicodedata.normalize("NFC", word)
    if word.isascii() or any(not c.isascii() and c not in _VIETNAMESE for c in word):
        return False
    base = "".join(c for c in unicodedata.normalize("NFD", word.lower().replace("đ", "d")) if c.isascii())
    return _SYLLABLE.fullmatch(base) is not None


def normalise(original: str) -> tuple[str, array | None]:
    """NFC-normalise; return the text and, if it changed, a clean→original offset map."""
    if unicodedata.is_normalized("NFC", original):
        return original, None
    out: list[str] = []
    offsets = array("l")
    # Normalise cluster by cluster (a starter plus what may combine with it).
    for m in _clusters().finditer(original):
        piece = unicodedata.normalize("NFC", m.group())
        out.append(piece)
        offsets.extend([m.start()] * len(piece))
    return "".join(out), offsets


@cache
def _clusters() -> re.Pattern[str]:
    """A character and those after it that NFC may reorder or compose with it: combining marks, and the
    starters that compose with the character before them (Hangul vowels and finals, some Indic signs)."""
    joins = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for cp in range(0x300, 0x1F000):
        c = chr(cp)
        if unicodedata.combining(c):
            joins.add(cp)
        pair = unicodedata.decomposition(c).split()
        if len(pair) == 2 and not pair[0].startswith("<"):
            joins.add(int(pair[1], 16))
    ranges: list[list[int]] = []
    for cp in sorted(joins):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return re.compile("(?s).[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]*")


def _cut_boilerplate(text: str) -> tuple[str, tuple[str, ...]]:
    """Cut the comments / share / related-news tail of a scraped page (in the second half only)."""
    half = len(text) // 2
    if half == 0:
        return text, ()   # one character: no tail to cut
    at = half - 1   # the character before the half tells whether a line starts there
    folded = fold_aligned(text[at:])
    # a line (from the half on) that opens with a tail phrase, written from the line break before it so
    # the search skips from one line break to the next; the tail starts after that break
    m = _boilerplate_tail().search(folded)
    if m is None:
        return text, ()
    cut = at + m.start() + 1
    return text[:cut].rstrip(), (f"dropped {len(text) - cut} characters of website boilerplate",)


@lru_cache(maxsize=1)
def _boilerplate_tail() -> re.Pattern[str]:
    return re.compile(r"\n[\s*#|>_]*" + lexicon().alternation("boilerplate_tail"))


class _HTMLText(html.parser.HTMLParser):
    """Text of a page without its chrome (scripts, styles, navigation, header, footer, forms).

    A chrome element covers what lies between its tag and its own end tag.  One that is never
    closed (``<nav>`` without ``</nav>``, ended only by ``</body>`` or the end of the file) covers
    only its first child element (the menu's ``<ul>``), so it cannot swallow the document; and an
    element holding most of the page's text is the page, not chrome (ASP.NET pages wrap the whole
    body in one ``<form>``).  Elements nested deeper than MAX_DEPTH, and chrome nested more than
    MAX_CHROME deep, are read as text around them: the work stays linear in the page's size."""

    MAX_DEPTH: ClassVar[int] = 256
    MAX_CHROME: ClassVar[int] = 8
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
                                  "article", "table"}
    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "nav", "footer", "header", "form"}
    _RAW: ClassVar[set[str]] = {"script", "style"}   # the parser reads their content as data up to their end tag
    _VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                                 "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str, tuple[int, ...]]] = []   # text and the chrome elements open around it
        self._stack: list[tuple[str, int | None]] = []        # open elements: tag, chrome element number
        self._count: Counter[str] = Counter()                  # open elements by tag
        self._open: tuple[int, ...] = ()
        self._chrome: list[_Chrome] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append(("\n", ()))
        if tag in self._VOID or len(self._stack) >= self.MAX_DEPTH:
            return
        number = None
        if tag in self._SKIP and len(self._open) < self.MAX_CHROME:
            number = len(self._chrome)
            self._chrome.append(_Chrome(tag, len(self.parts)))
            self._open = (*self._open, number)
        self._stack.append((tag, number))
        self._count[tag] += 1

    def handle_startendtag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append(("\n", ()))

    def handle_endtag(self, tag):
        if tag in self._BLOCK:
            self.parts.append(("\n", ()))
        if not self._count[tag]:   # a stray end tag
            return
        at = next(i for i in range(len(self._stack) - 1, -1, -1) if self._stack[i][0] == tag)
        for i in range(len(self._stack) - 1, at - 1, -1):   # elements left open inside it end with it
            name, number = self._stack[i]
            self._count[name] -= 1
            if number is not None:
                self._chrome[number].end = len(self.parts)
                self._chrome[number].closed = i == at
        parent = self._stack[at - 1][1] if at else None
        if parent is not None and self._chrome[parent].first_child_end is None:
            self._chrome[parent].first_child_end = len(self.parts)
        del self._stack[at:]
        self._open = tuple(n for _, n in self._stack if n is not None)

    def handle_data(self, data):
        self.parts.append((data, self._open))

    def text(self) -> str:
        self.close()
        stop = []   # chrome element -> index of the first part it no longer hides
        for c in self._chrome:
            end = len(self.parts) if c.end is None else c.end
            stop.append(end if c.tag in self._RAW or c.closed else c.first_child_end or c.start)
        covered = [0] * len(self._chrome)
        total = 0
        for i, (t, open_) in enumerate(self.parts):
            size = len(t.strip())
            total += size
            for n in open_:
                if i < stop[n]:
                    covered[n] += size
        for n, c in enumerate(self._chrome):
            if c.tag not in self._RAW and covered[n] > total / 2:   # most of the page: the page itself
                stop[n] = c.start
        return "".join(t for i, (t, open_) in enumerate(self.parts) if all(i >= stop[n] for n in open_))


@dataclass
class _Chrome:
    tag: str
    start: int                          # index of its first part
    end: int | None = None              # index after its last part
    closed: bool = False                # ended by its own end tag
    first_child_end: int | None = None  # index after its first child element, if that was closed


def _html_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    text = parser.text()
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text).strip()


_W = ("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}",   # transitional
      "{http://purl.oclc.org/ooxml/wordprocessingml/main}")                 # strict
_PARAGRAPH, _TEXT = {w + "p" for w in _W}, {w + "t" for w in _W}


def _docx_text(path: Path) -> str:
    """The paragraphs of word/document.xml, one per line.  The zip is untrusted: the entry must be
    unencrypted, stored or deflated, at most MAX_DOCX_XML_BYTES and MAX_DOCX_RATIO:1 as its header
    says, and it is read in chunks with the same limits on the bytes actually inflated."""
    name = shown(path)
    try:
        with zipfile.ZipFile(path) as z:
            try:
                info = z.getinfo("word/document.xml")
            except KeyError:
                raise SourceDecodeError(f"{name}: not a .docx file (no word/document.xml inside)") from None
            if info.flag_bits & 0x1:
                raise SourceDecodeError(f"{name}: the .docx is encrypted (password-protected): save it without "
                                        "a password and build again")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise SourceDecodeError(f"{name}: word/document.xml uses a compression method Word does not "
                                        f"write ({info.compress_type}); save the file again from Word")
            _check_inflated(name, info.file_size, info)
            return _docx_paragraphs(z, info, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError, ElementTree.ParseError) as e:
        if _is_ole(path):
            raise SourceDecodeError(f"{name}: a Word 97-2003 .doc file named .docx; save it as .docx "
                                    "and build again") from e
        kind = "zlib.error" if isinstance(e, zlib.error) else type(e).__name__
        raise SourceDecodeError(f"{name}: not a readable .docx file ({kind}: {one_line(e)})") from e


def _check_inflated(name: str, size: int, info: zipfile.ZipInfo) -> None:
    if size > MAX_DOCX_XML_BYTES:
        raise SourceDecodeError(f"{name}: word/document.xml inflates to more than {MAX_DOCX_XML_BYTES >> 20} MB; "
                                "refused (a zip bomb or not a document)")
    if size > (4 << 20) and size > MAX_DOCX_RATIO * max(info.compress_size, 1):
        raise SourceDecodeError(f"{name}: word/document.xml inflates more than {MAX_DOCX_RATIO}:1; "
                                "refused (a zip bomb or not a document)")


def _docx_paragraphs(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> str:
    collect = _Paragraphs()
    parser = ElementTree.XMLParser(target=collect)
    inflated = 0
    with z.open(info) as f:
        while chunk := f.read(1 << 16):
            inflated += len(chunk)
            _check_inflated(name, inflated, info)
            if b"<!ENTITY" in chunk:   # Word writes no DTD; entity expansion is how XML bombs work
                raise SourceDecodeError(f"{name}: word/document.xml declares XML entities; refused")
            parser.feed(chunk)
    parser.close()
    return "\n".join(collect.paragraphs)


class _Paragraphs:
    """XML parser target: the text of each w:p (no tree is kept); a paragraph inside another (a
    text box) ends first and is its own line."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._open: list[list[str]] = []
        self._in_text = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag in _PARAGRAPH:
            self._open.append([])
        elif tag in _TEXT:
            self._in_text += 1

    def end(self, tag: str) -> None:
        if tag in _PARAGRAPH and self._open:
            self.paragraphs.append("".join(self._open.pop()))
        elif tag in _TEXT:
            self._in_text -= 1

    def data(self, text: str) -> None:
        if self._in_text and self._open:
            self._open[-1].append(text)

    def close(self) -> None:
        return None


def _is_ole(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return False
