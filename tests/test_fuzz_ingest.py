"""Property tests: whatever bytes a document holds, reading and extracting it raises nothing but a
KGError, and every quote a fact carries is a verbatim slice of the clean text.

Documents are drawn as random Unicode, as plan-like markdown (headings, numbered items, pipe tables
and cell-per-line tables of Vietnamese cue words, numbers and dates, mixed with random text), and
written in several encodings (UTF-8 with or without BOM, UTF-16, Windows-1258, NFD, damaged bytes),
as .txt, .md, .html and .docx.  The normal run is kept under ~20 s; the `slow` variant draws many more
(KG_FUZZ_EXAMPLES sets how many).
"""
from __future__ import annotations

import io
import os
import unicodedata
import zipfile
from html import escape
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from kg.errors import KGError  # noqa: E402
from kg.extract import extract_document  # noqa: E402
from kg.ingest import read_source  # noqa: E402
from kg.model import Document, Span  # noqa: E402

WORDS = [
    "Sở Nội vụ", "Sở Tư pháp", "UBND tỉnh", "Văn phòng UBND tỉnh", "Sở Thông tin và Truyền thông", "các sở, ngành",
    "chủ trì", "phối hợp", "theo dõi, tổng hợp", "triển khai", "thực hiện", "chịu trách nhiệm", "tham mưu",
    "đến năm 2025", "đến năm 2030", "tối thiểu", "ít nhất", "đạt", "trên", "giảm", "tăng", "80%", "100%", "95,5%",
    "20%", "thủ tục hành chính", "dịch vụ công trực tuyến", "mức độ 3 và 4", "toàn trình", "Chỉ số CCHC",
    "Chỉ số SIPAS", "xếp thứ 20/63", "trong nhóm 30", "hằng năm", "Quý II/2025", "trước ngày 15/12/2025",
    "tháng 6/2025", "Kế hoạch số 12/KH-UBND", "Quyết định số 2703/QĐ-UBND", "Nghị quyết 76/NQ-CP",
    "Nghị định số 45/2025/NĐ-CP", "cải cách hành chính", "chính quyền số", "Nhiệm vụ", "Đơn vị chủ trì",
    "Đơn vị phối hợp", "Thời gian hoàn thành", "Chỉ tiêu", "Kết quả", "MỤC TIÊU", "NHIỆM VỤ", "Tiền Giang",
    "Lâm Đồng", "Cao Bằng", "Céng hoµ x· héi", "Coäng hoøa xaõ hoäi", "Москва", "一网通办", "الحكومة",
    "**", "*", "\\-", "1\\.", ",", ";", ".", ":", "(", ")", "–", "…", "\u00a0", "\u200b",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)   # any code point but lone surrogates
PHRASE = st.lists(st.one_of(st.sampled_from(WORDS), TEXT), min_size=1, max_size=12).map(" ".join)


@st.composite
def lines(draw) -> list[str]:
    out: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["heading", "item", "table", "cells", "blank", "text", "phrase"]))
        if kind == "heading":
            opener = draw(st.sampled_from(["# ", "## ", "**", "", "I. ", "II. ", "1. ", "a) "]))
            out.append(opener + draw(PHRASE).upper())
        elif kind == "item":
            out.append(draw(st.sampled_from(["- ", "+ ", "1. ", "2) ", "a) ", "b. ", "* ", "– "])) + draw(PHRASE))
        elif kind == "table":
            cols = draw(st.integers(1, 5))
            rows = draw(st.lists(st.lists(PHRASE, min_size=cols, max_size=cols), min_size=1, max_size=4))
            out.append("| " + " | ".join(rows[0]) + " |")
            out.append("|" + "---|" * cols)
            out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
        elif kind == "cells":
            for cell in draw(st.lists(PHRASE, min_size=1, max_size=6)):
                out += ["|", cell]
            out.append("|")
        elif kind == "blank":
            out.append("")
        elif kind == "text":
            out.append(draw(TEXT))
        else:
            out.append(draw(PHRASE))
    return out


def docx_bytes(paragraphs: list[str]) -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(p, quote=False)}</w:t></w:r></w:p>"
                   for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def xml_safe(text: str) -> str:
    return "".join(c for c in text if c in "\t\n\r" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c >= "\U00010000")


@st.composite
def documents(draw) -> tuple[str, bytes]:
    text = "\n".join(draw(lines())) if draw(st.booleans()) else draw(st.text(max_size=400))
    suffix = draw(st.sampled_from([".txt", ".md", ".html", ".docx"]))
    if suffix == ".docx":
        return suffix, docx_bytes([xml_safe(p) for p in text.split("\n")])
    if suffix == ".html":
        nav = draw(st.sampled_from(["", "<nav><ul><li>Trang chủ</li></ul>", "<nav>Menu ", "<header>Cổng thông tin"]))
        text = f"<html><body>{nav}" + "".join(f"<p>{escape(p)}</p>" for p in text.split("\n")) + "</body></html>"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "nfd", "damaged", "mojibake"]))
    if encoding == "mojibake":   # UTF-8 read as Windows-1252 and saved again as UTF-8
        data = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    elif encoding == "nfd":
        data = unicodedata.normalize("NFD", text).encode("utf-8")
    elif encoding == "damaged":
        data = bytearray(text.encode("utf-8"))
        for _ in range(draw(st.integers(1, 8))):
            if data:
                data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    else:
        data = text.encode(encoding, errors="replace")
    return suffix, data


def spans(doc: Document) -> list[Span]:
    out = [f.span for f in (*doc.targets, *doc.results, *doc.citations, *doc.tasks, *doc.review)]
    for d in doc.duties:
        out += [d.span, d.mention] + ([d.task_span] if d.task_span else [])
    return out


def read_and_check(tmp: Path, suffix: str, data: bytes) -> None:
    path = tmp / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        source = read_source(path)
        doc = extract_document(source, "fuzz")
    except KGError as e:
        assert "\n" not in str(e) and "fuzz" in str(e), str(e)   # one line naming the file
        return
    assert unicodedata.is_normalized("NFC", source.text)
    assert len(source.view) == len(source.text)
    for span in spans(doc):
        assert 0 <= span.start <= span.end <= len(source.text)
        assert source.text[span.start:span.end] == span.quote


FAST = settings(max_examples=int(os.environ.get("KG_FUZZ_FAST", "500")), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
SLOW = settings(FAST, max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "2000")), derandomize=False)


@FAST
@given(doc=documents())
def test_any_document_reads_or_fails_with_a_kg_error_and_quotes_are_verbatim(tmp_path, doc):
    read_and_check(tmp_path, *doc)


@FAST
@given(text=st.text(max_size=2000))
def test_random_unicode_text(tmp_path, text):
    read_and_check(tmp_path, ".txt", text.encode("utf-8"))


@FAST
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".md", ".html", ".docx"]))
def test_random_bytes(tmp_path, data, suffix):
    read_and_check(tmp_path, suffix, data)


@pytest.mark.slow
@SLOW
@given(doc=documents())
def test_many_more_documents(tmp_path, doc):
    read_and_check(tmp_path, *doc)


@FAST
@given(text=st.text(max_size=300))
def test_normalise_is_nfc_and_its_offsets_point_into_the_original(text):
    from kg.ingest import normalise
    clean, offsets = normalise(text)
    assert clean == unicodedata.normalize("NFC", text)
    if offsets is not None:
        assert len(offsets) == len(clean)
        assert list(offsets) == sorted(offsets) and all(0 <= o < len(text) for o in offsets)
