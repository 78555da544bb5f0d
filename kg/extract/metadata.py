"""Document metadata: kind, number, date, issuer, province, period, signer.

An instrument states its own kind in a title line ("NGHỊ QUYẾT", "QUYẾT ĐỊNH:"), its
number in a "Số: 2703/QĐ-UBND" header and its date in "Tiền Giang, ngày 18 tháng 10
năm 2021".  A text with none of that which reports that a body "đã ban hành Nghị quyết
số 60-NQ/TU" is an article about that instrument: kind ``bai_viet``, and number and
date are those of the instrument it describes.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ..annotate import Annotation, annotate, provinces as _provinces
from ..lexicon import lexicon, one_of
from ..model import KINDS, Document
from ..text import fold, fold_aligned
from .citations import DOC_NUMBER, kind_of, normalise

_TITLES = {"nghi quyet": "nghi_quyet", "quyet dinh": "quyet_dinh", "chi thi": "chi_thi", "ke hoach": "ke_hoach",
           "bao cao": "bao_cao"}
_TITLE_LINE = re.compile(r"^\W*(nghi quyet|quyet dinh|chi thi|ke hoach|bao cao)\W*$", re.MULTILINE)
_OWN_NUMBER = re.compile(r"(?:^|\|)\W*so\s*:?\s*(?=\d)", re.MULTILINE)
# "Hà Nội, ngày 02 tháng 12 năm 2025": a place (no digits: not "Kết luận số 192-KL/TW, ngày 19/9/2025"), then the date
_DATE_LINE = re.compile(r"(?:^|\|)[^\n,|\d]{2,40},\s*ngay\s+(\d{1,2})\s+thang\s*(\d{1,2})\s+nam\s+(\d{4})"
                        r"|(?:^|\|)[^\n,|\d]{2,40},\s*ngay\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.MULTILINE)
_ARTICLE_SIGNS = re.compile(r"(?:^|\n)\s*(?:nguon\s*:|you are currently viewing|\(con nua\)|bai \d+\s*:|theo\s+[^\n]{0,40}\.vn)")
# ("đã" if it is there, as "(?:da\s+)?ban hanh" would take it, written so the search skips ahead to a "d" or "b")
_ISSUED = re.compile(r"(?:da\s+ban hanh|ban hanh|(?:da|vua)\s+(?:co|ky)|toan van)\s+(nghi quyet|quyet dinh|chi thi|ke hoach)"
                     r"\s+(?:so\s+)?")
_PERIOD = re.compile(r"giai doan\s+(20\d\d)\s*[-–]\s*(20\d\d)")
_ISSUERS = re.compile(r"^[\W]*((?:uy ban nhan dan|ubnd|hoi dong nhan dan|hdnd|tinh uy|thanh uy|ban thuong vu|ban chap hanh|"
                      r"chu tich uy ban nhan dan)[^\n|]*?)\s*(?:\||$)", re.MULTILINE)
_HEADER_CHARS = 1800


def provinces() -> tuple[str, ...]:
    return _provinces()


def read_metadata(doc: Document, view: str, ann: Annotation | None = None, folded: str | None = None) -> None:
    """Fill the document's metadata from its reading view (`view`: same offsets as doc.text).

    Own number and kind come from the header ("Số: 2703/QĐ-UBND", "QUYẾT ĐỊNH") or a title line
    ("# Nghị quyết số 57-NQ/TW"); an annex without a header takes them from its attachment line
    ("Kèm theo Nghị quyết số /NQ-CP ngày 01 tháng 01 năm 2025 của Chính phủ"); a text with none
    of these is an article, describing the instrument it reports as issued — unless it
    republishes that instrument in full ("giới thiệu toàn văn ..."), when it is the instrument.
    """
    text = view
    folded = fold_aligned(text) if folded is None else folded
    header = folded[:_HEADER_CHARS]
    site = _site_fields(text, folded)
    own = _own_number(text, header) or _titled_number(text, header) or site.get("number")
    title = _TITLE_LINE.search(header)
    if own:
        doc.number = own
        doc.kind = kind_of(re.sub(r"^\d+(?:/\d{4})?[-/]", "", own)) or (_TITLES[title.group(1)] if title else "khac")
    elif title:
        doc.kind = _TITLES[title.group(1)]
    if site.get("kind") and (doc.kind == "khac" or not title):
        doc.kind = site["kind"]
    described = None
    attached = None if own or title else _attached_to(text, folded)
    if attached:
        doc.kind, doc.number, doc.date, doc.issuer = attached
        doc.describes = doc.kind
    elif not own and (not title or _ARTICLE_SIGNS.search(folded)):
        described = _described(text, folded)
        doc.kind = "bai_viet"
        if described and _full_text().search(folded[:4000]):
            doc.kind = described[0]
    if attached:
        pass
    elif described:
        doc.describes, doc.number, doc.date, doc.issuer = described
    else:
        doc.describes = doc.kind
        m = _DATE_LINE.search(header)
        if m:
            d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            doc.date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        doc.issuer = _issuer(text, header) or site.get("issuer")
        doc.date = doc.date or site.get("date")
        if own and doc.date is None:
            same = _described(text, folded)
            if same and same[1] == own:
                doc.date = same[2]
    national = doc.number is not None and _national_code().search(doc.number) is not None
    doc.province = None if national else _province(folded, ann if ann is not None else annotate(text))
    if doc.kind != "bai_viet":
        doc.signer = _signer(text) or site.get("signer")
    # a kind the vocabulary lacks (a "Quy định", a "Tờ trình") is "khac", never a document the graph drops
    doc.kind = doc.kind if doc.kind in KINDS else "khac"
    doc.describes = doc.describes if doc.describes in KINDS else doc.kind
    doc.title = _title(text, folded, title)
    doc.period = _period(fold(doc.title or "")) or _period(folded)


_SITE_FIELD = re.compile(r"(" + one_of(["so hieu", "loai van ban", "noi ban hanh", "nguoi ky", "ngay ban hanh"]) +
                         r")\s*:\s*[|\s]*([^|\n]{2,120})")


def _site_fields(text: str, folded: str) -> dict[str, str]:
    """A law site's metadata block ("Số hiệu: | 6225/BVHTTDL-VP | Loại văn bản: | Công văn | ..."), if any."""
    out: dict[str, str] = {}
    for m in _SITE_FIELD.finditer(folded, 0, 6000):
        value = text[m.start(2):m.end(2)].strip()
        key = m.group(1)
        if key == "so hieu" and (n := DOC_NUMBER.match(text, m.start(2))):
            out.setdefault("number", normalise(n))
        elif key == "loai van ban":
            kind = lexicon().value_of("doc_kind", fold(value))
            if kind:
                out.setdefault("kind", kind)
        elif key == "noi ban hanh":
            out.setdefault("issuer", value)
        elif key == "nguoi ky":
            out.setdefault("signer", value)
        elif key == "ngay ban hanh" and (d := re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)):
            out.setdefault("date", f"{int(d.group(3)):04d}-{int(d.group(2)):02d}-{int(d.group(1)):02d}")
    return out


@lru_cache(maxsize=1)
def _full_text() -> re.Pattern[str]:
    return re.compile(lexicon().alternation("full_text"))


@lru_cache(maxsize=1)
def _national_code() -> re.Pattern[str]:
    codes = [w for e in lexicon().of("national_code") for w in e.words]
    return re.compile(r"(?:^|[\d/-])(?:" + "|".join(re.escape(c) for c in codes) + r")$")


_TITLED = re.compile(r"^\W*(nghi quyet|quyet dinh|chi thi|ke hoach)\s+(?:so\s*)?(?=\d)", re.MULTILINE)


def _titled_number(text: str, header: str) -> str | None:
    """A page titled with its instrument: "# Nghị quyết số 57-NQ/TW"."""
    m = _TITLED.search(header[:300])
    if m:
        n = DOC_NUMBER.match(text, m.end())
        if n and not text[n.end():text.find("\n", n.end())].strip(" *#"):
            return normalise(n)
    return None


_ATTACHED = re.compile(
    r"kem theo\s+(?:[^()\n]{0,60}?\s)?(nghi quyet|quyet dinh|chi thi|ke hoach)\s+so\s*([^\s]*)\s+"
    r"ngay\s+(\d{1,2})\s*(?:thang\s*|/)(\d{1,2})\s*(?:nam\s*|/)(\d{4})(?:\s+cua\s+([^)\n]{3,80}))?")


def _attached_to(text: str, folded: str) -> tuple[str, str | None, str | None, str | None] | None:
    """(kind, number, date, issuer) of the instrument an annex is attached to."""
    m = _ATTACHED.search(folded)
    if m is None:
        return None
    number = None
    n = DOC_NUMBER.match(text, m.start(2))
    if n:
        number = normalise(n)
    date = f"{int(m.group(5)):04d}-{int(m.group(4)):02d}-{int(m.group(3)):02d}"
    issuer = re.sub(r"\s+", " ", text[m.start(6):m.end(6)]).strip() if m.group(6) else None
    return _TITLES[m.group(1)], number, date, issuer


def _own_number(text: str, header: str) -> str | None:
    for m in _OWN_NUMBER.finditer(header):
        n = DOC_NUMBER.match(text, m.end())
        if n:
            return normalise(n)
    return None


def _described(text: str, folded: str) -> tuple[str, str, str | None, str | None] | None:
    """(kind, number, date, issuer) of the instrument an article reports on."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str | None, str | None]] = {}
    for m in _ISSUED.finditer(folded):
        n = DOC_NUMBER.match(text, m.end())
        if not n:
            continue
        number = normalise(n)
        counts[number] += 1
        kind, date, issuer = first.get(number, (_TITLES[m.group(1)], None, None))
        if date is None:   # a title ("Toàn văn Quyết định 2555/QĐ-BYT") may name it before the sentence that dates it
            d = re.match(r"\s*[,(]?\s*ngay\s+(\d{1,2})/(\d{1,2})/(\d{4})", folded[n.end():n.end() + 30]) or \
                re.search(r"ngay\s+(\d{1,2})/(\d{1,2})/(\d{4})\s*,[^.;]{0,60}$", folded[max(0, m.start() - 90):m.start()])
            if d:
                date = f"{int(d.group(3)):04d}-{int(d.group(2)):02d}-{int(d.group(1)):02d}"
        first[number] = (kind, date, issuer or _issuer_before(text, folded, m.start()))
    if not counts:
        return None
    for number in list(counts):
        counts[number] += len(re.findall(re.escape(fold(number)), folded))
    number = counts.most_common(1)[0][0]
    kind, date, issuer = first[number]
    return kind, number, date, issuer


def _issuer_before(text: str, folded: str, pos: int) -> str | None:
    window = folded[max(0, pos - 80):pos]
    m = re.search(r"((?:ban thuong vu|ban chap hanh|tinh uy|thanh uy|uy ban nhan dan|hoi dong nhan dan)[^,.;]*?)\s*(?:da\s*)?$",
                  window)
    if not m:
        return None
    start = max(0, pos - 80) + m.start(1)
    return re.sub(r"\s+", " ", text[start:max(0, pos - 80) + m.end(1)]).strip()


def _issuer(text: str, header: str) -> str | None:
    for m in _ISSUERS.finditer(header):
        raw = text[m.start(1):m.end(1)].strip(" *|")
        if len(raw) > 8 and not fold(raw).startswith("cong hoa"):
            return _titlecase(raw)
    return None


def _titlecase(raw: str) -> str:
    if not raw.isupper():
        return raw
    words = raw.lower().split()
    out = " ".join(words)
    out = out[:1].upper() + out[1:]
    for name in provinces():
        out = re.sub(re.escape(name.lower()), name, out)
    out = re.sub(r"\b[Uu]bnd\b", "UBND", re.sub(r"\b[Hh]đnd\b", "HĐND", out))
    return out.replace("tỉnh ủy", "Tỉnh ủy")


def _province(folded: str, ann: Annotation) -> str | None:
    """The province the document belongs to: most named, a name standing alone (a byline) not counted."""
    counts: Counter[str] = Counter()
    for c in ann.all("province"):
        line_s = folded.rfind("\n", 0, c.start) + 1
        line_e = folded.find("\n", c.end)
        line = folded[line_s:line_e if line_e >= 0 else len(folded)].strip(" *|#_")
        if line == folded[c.start:c.end]:
            continue   # a byline ("Thái Bình"), not the place
        counts[c.value or ""] += 1
    if not counts:
        return None
    best = counts.most_common(1)[0][0]
    return "Hồ Chí Minh" if best == "Thành phố Hồ Chí Minh" else best


def _period(folded: str) -> str | None:
    counts: Counter[tuple[str, str]] = Counter(_PERIOD.findall(folded[:20000]))
    if not counts:
        return None
    (a, b), _ = max(counts.items(), key=lambda kv: (kv[1], kv[0][1]))
    return f"{a}-{b}"


def _signer(text: str) -> str | None:
    tail = text[-600:]
    lines = [ln.strip(" *\t") for ln in tail.splitlines() if ln.strip(" *\t")]
    for line in reversed(lines[-4:]):
        words = line.split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words) and not line.isupper() \
                and not re.search(r"[\d:/(]", line):
            return line
    return None


def _title(text: str, folded: str, title: re.Match[str] | None) -> str | None:
    if title:
        after = text[title.end():title.end() + 400]
        for line in after.splitlines():
            line = line.strip(" *#|")
            if (len(line) > 20 and not line.isupper()) or fold(line).startswith("ve "):
                return line[:300]
    first = next((ln.strip(" *#|") for ln in text.splitlines() if len(ln.strip()) > 20), None)
    return first[:300] if first else None
