"""Decoding, NFC, legacy encodings, boilerplate and the offset map."""
from __future__ import annotations

import unicodedata

import pytest

from conftest import seed
from kg.errors import SourceDecodeError
from kg.ingest import read_source

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_bytes(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows wrote it: base letters precomposed, tone marks combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in d if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


@pytest.fixture(scope="module")
def reference():
    return read_source(seed("000")).text


@pytest.mark.parametrize("variant", ["utf-8-sig", "utf-16", "utf-16-le", "cp1258", "nfd"])
def test_same_seed_in_other_encodings_reads_to_the_same_nfc_text(tmp_path, reference, variant):
    raw = seed("000").read_text(encoding="utf-8")
    if variant == "cp1258":
        data = cp1258_bytes(raw)
    elif variant == "nfd":
        data = unicodedata.normalize("NFD", raw).encode("utf-8")
    else:
        data = raw.encode(variant)
    path = tmp_path / f"seed-{variant}.txt"
    path.write_bytes(data)
    src = read_source(path)
    assert src.text == reference
    assert unicodedata.is_normalized("NFC", src.text)


def test_partly_nfd_seed_is_normalised_and_offsets_map_back():
    src = read_source(seed("004"))
    original = seed("004").read_text(encoding="utf-8")
    assert not unicodedata.is_normalized("NFC", original)
    assert unicodedata.is_normalized("NFC", src.text)
    i = src.text.index("Uỷ ban nhân dân tỉnh đã ban hành Đề án")
    j = src.original_offset(i)
    assert unicodedata.normalize("NFC", original[j:j + 40]).startswith("Uỷ ban nhân dân tỉnh")


def test_website_boilerplate_is_cut_from_the_end():
    src = read_source(seed("001"))
    assert "Ý kiến bạn đọc" not in src.text
    assert src.text.rstrip().endswith("ỦY BAN NHÂN DÂN |")
    assert any("boilerplate" in w for w in src.warnings)


def test_a_legal_site_closing_line_ends_the_page(tmp_path):
    page = tmp_path / "article.md"
    page.write_text("# Nhiệm vụ của Sở Nội vụ\n\n" + "Sở Nội vụ chủ trì thực hiện Kế hoạch.\n\n" * 5
                    + "Quý khách cần hỏi thêm thông tin về có thể đặt câu hỏi tại đây.\n", encoding="utf-8")
    src = read_source(page)
    assert "Quý khách" not in src.text and src.text.endswith("Kế hoạch.")


@pytest.mark.parametrize("content, problem", [
    (b"", "empty"),
    (b"   \n\t  \n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, "binary"),
    (bytes(range(0, 32)) * 50, "binary"),
])
def test_bad_input_is_refused_with_the_file_name_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SourceDecodeError) as e:
        read_source(path)
    message = str(e.value)
    assert "bad.txt" in message and problem in message and "\n" not in message


def test_legacy_tcvn3_text_is_refused_not_guessed(tmp_path):
    tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam. §éc lËp - Tù do - H¹nh phóc. Uû ban nh©n d©n tØnh " * 5
    path = tmp_path / "legacy.txt"
    path.write_bytes(tcvn3.encode("cp1252"))
    with pytest.raises(SourceDecodeError, match=r"legacy.txt.*TCVN3"):
        read_source(path)


def test_html_and_docx_are_read_as_text(tmp_path):
    import zipfile

    html = tmp_path / "page.html"
    html.write_text("<html><head><script>var x=1</script></head><body><p>Sở Nội vụ chủ trì &amp; theo dõi.</p>"
                    "</body></html>", encoding="utf-8")
    assert read_source(html).text.strip() == "Sở Nội vụ chủ trì & theo dõi."
    docx = tmp_path / "doc.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                   '2006/main"><w:body><w:p><w:r><w:t>Sở Tư pháp</w:t></w:r><w:r><w:t> theo dõi.</w:t></w:r></w:p>'
                   '</w:body></w:document>')
    assert read_source(docx).text == "Sở Tư pháp theo dõi."
