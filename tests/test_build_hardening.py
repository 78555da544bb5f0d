"""`kg build` on hostile corpora: no traceback, one line per problem naming the file, bounded work.

One test group per item of the hardening issue: a reader's bug stays with its document; broken,
encrypted and bomb .docx files are refused quickly; names that are not UTF-8; legacy fonts told
from Unicode that quotes other scripts; links, sub-folders, other kinds of files, copies and the
leftovers of killed builds; an unclosed <nav>; `kg stats` agreeing with the build.
"""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import time
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS
from kg import pipeline
from kg.cli import cli
from kg.errors import KGError, SourceDecodeError
from kg.ingest import _html_text, read_source
from kg.model import Document
from kg.pipeline import build, corpus_files, to_nquads
from kg.stats import stats
from kg.store import MARKER, clean_stale, open_store, write_store

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PLAN = ("KẾ HOẠCH cải cách hành chính năm 2025\n\nI. MỤC TIÊU\n\n1. Đến năm 2025, tối thiểu 80% thủ tục hành chính "
        "được cung cấp trực tuyến mức độ 3 và 4.\n\nII. NHIỆM VỤ\n\nSở Nội vụ chủ trì, phối hợp với Sở Tư pháp "
        "theo dõi, tổng hợp kết quả cải cách hành chính.\n")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def corpus(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "corpus"
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def plan(place: str) -> str:
    return PLAN.replace("năm 2025\n", f"năm 2025 của {place}\n")


# -- 1. a failure of one document is one line naming it; a reader's bug stays with its document ----------

def test_a_bug_in_a_reader_is_one_line_naming_the_file_and_the_exception(tmp_path, monkeypatch):
    root = corpus(tmp_path, {"a.txt": plan("A"), "tthc-2025.txt": plan("B")})
    real = pipeline.extract_document

    def buggy(source, doc_id):
        if source.name == "tthc-2025.txt":
            raise IndexError("list index out of range")
        return real(source, doc_id)

    monkeypatch.setattr(pipeline, "extract_document", buggy)
    r = run("build", str(root), "--out", str(tmp_path / "s"))
    no_traceback(r)
    assert r.exit_code == 1
    error = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "tthc-2025.txt" in error[0] and "IndexError" in error[0]
    assert not (tmp_path / "s").exists()

    r = run("build", str(root), "--out", str(tmp_path / "s"), "--skip-invalid")
    no_traceback(r)
    assert r.exit_code == 0 and "1 documents" in r.output
    assert "skipped: " in r.output and "tthc-2025.txt" in r.output and "IndexError" in r.output

    monkeypatch.setenv("KG_DEBUG", "1")
    with pytest.raises(IndexError):
        build([root], tmp_path / "s2")


@pytest.mark.parametrize("stage", ["read_source", "document_graph"])
def test_a_bug_before_or_after_extraction_is_contained_too(tmp_path, monkeypatch, stage):
    root = corpus(tmp_path, {"a.txt": plan("A"), "b.txt": plan("B")})
    real = getattr(pipeline, stage)

    def buggy(first, *args):
        name = first.name if isinstance(first, Path) else first.source
        if name == "b.txt":
            raise ValueError("a reader's bug\nover two lines")
        return real(first, *args)

    monkeypatch.setattr(pipeline, stage, buggy)
    with pytest.raises(KGError, match=r"b\.txt: could not be read \(ValueError: a reader's bug over two lines\)"):
        build([root], tmp_path / "s")
    report = build([root], tmp_path / "s", skip_invalid=True)
    assert [d.source for d in report.documents] == ["a.txt"]
    assert len(report.skipped) == 1 and "b.txt" in report.skipped[0] and "\n" not in report.skipped[0]


def test_a_store_that_cannot_be_written_is_one_line_and_the_old_store_stays(tmp_path):
    with pytest.raises(KGError, match="could not write the store"):
        write_store(tmp_path / "s", b"<not n-quads", {})
    assert not list(tmp_path.iterdir())


# -- 2. .docx: broken, encrypted, unknown compression, zip bombs ----------------------------------------

def docx(xml: str = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>Sở Tư pháp theo dõi.</w:t></w:r></w:p>'
                    "</w:body></w:document>") -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", xml)
    return bytearray(buf.getvalue())


def patched(data: bytearray, local: int, central: int, value: int, fmt: str = "<H") -> bytes:
    """Overwrite a field of the (only) entry's local header and central directory record."""
    struct.pack_into(fmt, data, data.find(b"PK\x03\x04") + local, value)
    struct.pack_into(fmt, data, data.find(b"PK\x01\x02") + central, value)
    return bytes(data)


def corrupt(data: bytearray) -> bytes:
    start = data.find(b"PK\x03\x04") + 30 + len("word/document.xml")
    data[start + 4:start + 40] = b"\xff" * 36
    return bytes(data)


def bomb(size: int) -> bytes:
    """A .docx whose document.xml inflates to `size` bytes (honest headers): ~1000:1."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("word/document.xml", "w") as f:
        chunk = b" " * (1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)
    return buf.getvalue()


BAD_DOCX = {
    "corrupt.docx": (lambda: corrupt(docx(f'<w:document xmlns:w="{W}">' + "<w:p/>" * 3000 + "</w:document>")),
                     "not a readable .docx"),
    "encrypted.docx": (lambda: patched(docx(), 6, 8, 0x1), "encrypted"),
    "deflate64.docx": (lambda: patched(docx(), 8, 10, 9), "compression method"),
    "aes.docx": (lambda: patched(docx(), 8, 10, 99), "compression method"),
    "header-says-4gb.docx": (lambda: patched(docx(), 22, 24, 0xF000_0000, "<I"), "zip bomb"),
    "header-says-tiny.docx": (lambda: patched(docx(f'<w:document xmlns:w="{W}">' + "<w:p/>" * 50000 + "</w:document>"),
                                              22, 24, 100, "<I"), "not a readable .docx"),
    "not-a-zip.docx": (lambda: b"PK\x03\x04 but nothing else", "not a readable .docx"),
    "word97.docx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), "Word 97-2003"),
    "no-document.docx": (lambda: _zip({"word/other.xml": "<x/>"}), "no word/document.xml"),
    "entities.docx": (lambda: bytes(docx('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]>'
                                         f'<w:document xmlns:w="{W}"><w:p><w:t>&a;</w:t></w:p></w:document>')),
                      "entities"),
    "bad-xml.docx": (lambda: bytes(docx(f'<w:document xmlns:w="{W}"><w:p>')), "not a readable .docx"),
}


def _zip(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(BAD_DOCX))
def test_a_bad_docx_is_refused_with_one_line(tmp_path, name):
    make, problem = BAD_DOCX[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(SourceDecodeError) as e:
        read_source(path)
    message = str(e.value)
    assert name in message and problem in message and "\n" not in message


def test_a_zip_bomb_is_refused_quickly_in_bounded_memory(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb(200 << 20))    # 200 MB of XML in ~200 KB
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    t = time.perf_counter()
    with pytest.raises(SourceDecodeError, match="bomb"):
        read_source(path)
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 8 << 20


def test_the_inflated_bytes_are_counted_whatever_the_header_says(tmp_path, monkeypatch):
    import kg.ingest
    path = tmp_path / "big.docx"
    path.write_bytes(docx(f'<w:document xmlns:w="{W}">' + "<w:p><w:t>Sở Nội vụ chủ trì.</w:t></w:p>" * 60000
                          + "</w:document>"))
    assert read_source(path).text.startswith("Sở Nội vụ")
    checked = []
    real = kg.ingest._check_inflated

    def spy(name, size, info):
        checked.append(size)
        real(name, size, info)

    monkeypatch.setattr(kg.ingest, "_check_inflated", spy)
    monkeypatch.setattr(kg.ingest, "MAX_DOCX_XML_BYTES", 1 << 20)
    with pytest.raises(SourceDecodeError, match="more than 1 MB"):
        read_source(path)
    assert checked[0] > 1 << 20   # the header already told; with a lying header the count stops it


def test_bad_docx_files_in_a_build_are_listed_not_crashed_on(tmp_path):
    root = corpus(tmp_path, {"plan.txt": plan("A"), **{name: make() for name, (make, _) in BAD_DOCX.items()}})
    r = run("build", str(root), "--out", str(tmp_path / "s"), "--skip-invalid")
    no_traceback(r)
    assert r.exit_code == 0 and "1 documents" in r.output
    assert sum(line.startswith("skipped: ") for line in r.output.splitlines()) == len(BAD_DOCX)
    r = run("build", str(root), "--out", str(tmp_path / "s2"))
    no_traceback(r)
    assert r.exit_code == 1 and r.output.count("\n") == 1 and r.output.startswith("Error: ")


# -- 3. names that are not UTF-8 ---------------------------------------------------------------------------

def test_a_name_that_is_not_utf8_is_shown_with_escapes(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    good = root / os.fsdecode(b"quy\xe9t-\xf0\xe3nh.txt")      # Windows-1258 bytes in a Linux name
    good.write_text(plan("A"), encoding="utf-8")
    bad = root / os.fsdecode(b"tr\xecnh\x07.txt")
    bad.write_bytes(b"")
    r = run("build", str(root), "--out", str(tmp_path / "s"))
    no_traceback(r)
    assert r.exit_code == 1 and "tr\\xecnh\\x07.txt" in r.output and "empty" in r.output
    r = run("build", str(root), "--out", str(tmp_path / "s"), "--skip-invalid")
    no_traceback(r)
    assert r.exit_code == 0 and "1 documents" in r.output
    r.output.encode("utf-8")                                   # printable as it is
    kg = open_store(tmp_path / "s")
    assert [d["document"] for d in stats(kg)["documents"]] == ["quy\\xe9t-\\xf0\\xe3nh.txt"]
    assert json.loads((tmp_path / "s" / MARKER).read_text(encoding="utf-8"))["documents"] == [
        "quy\\xe9t-\\xf0\\xe3nh.txt"]


# -- 4. legacy fonts: real TCVN3/VNI refused, Unicode quoting other scripts read --------------------------

# Phrases as they stand in legacy government documents (1998-2009), read as Windows-1252.
TCVN3 = ("Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\nC¨n cø NghÞ ®Þnh sè 15/CP\n"
         "quyÕt ®Þnh cña Bé tr\u00adëng Bé Tµi chÝnh\nchÕ ®é kÕ to¸n doanh nghiÖp\n"
         "ng\u00adêi cã c«ng víi c¸ch m¹ng\nTæng diÖn tÝch ®· phñ kÝn\n")
VNI = ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM\nÑoäc laäp - Töï do - Haïnh phuùc\nUÛY BAN NHAÂN DAÂN TÆNH\n"
       "Caên cöù Luaät Toå chöùc HÑND vaø UBND\nquyeát ñònh naøy coù hieäu löïc\nñöôïc nhöõng Chæ thò\n")
QUOTES = {
    "cyrillic": "Đoàn công tác đã làm việc với Bộ Phát triển kinh tế Liên bang Nga (Министерство экономического "
                "развития Российской Федерации) về chính phủ điện tử, «электронное правительство» và "
                "«государственные услуги» trực tuyến.",
    "cjk": "Tham khảo mô hình Trung Quốc (一网通办, 最多跑一次, 放管服改革) và Nhật Bản (デジタル庁, 行政手続き) "
           "về cung cấp dịch vụ công trực tuyến toàn trình.",
    "arabic": "Hội thảo với đoàn Các Tiểu vương quốc Ả Rập Thống nhất (الحكومة الرقمية، الخدمات الحكومية "
              "الإلكترونية، دبي الذكية) về chuyển đổi số trong cải cách hành chính.",
    "eth": "ÐẢNG BỘ TỈNH ÐỒNG THÁP. Ðiều 1. Ðồng chí Bí thư chỉ đạo Ðảng ủy các xã, Ðoàn Thanh niên và Ðài "
           "Phát thanh Ðà Lạt đẩy mạnh cải cách hành chính.",   # Ð (U+00D0, in TCVN3's table) typed for Đ
    "european": "Kinh nghiệm của Đức (Onlinezugangsgesetz, Bürgerämter, Öffentliche Verwaltung, Größe), Pháp "
                "(démarches simplifiées, façade, Noël) và Tây Ban Nha (señor Muñoz, administración electrónica).",
}


@pytest.mark.parametrize("script", sorted(QUOTES))
def test_unicode_vietnamese_quoting_other_scripts_builds(tmp_path, script):
    text = PLAN + "\n" + "\n\n".join([QUOTES[script]] * 6)    # more foreign letters than Vietnamese ones
    root = corpus(tmp_path, {"plan.txt": text, "plan-nfd.md": unicodedata.normalize("NFD", text + "\nHết.")})
    report = build([root], tmp_path / "s")
    assert len(report.documents) == 2 and not report.skipped


@pytest.mark.parametrize("sample, encoding", [(TCVN3, "cp1252"), (VNI, "cp1252"), (TCVN3, "utf-8"), (VNI, "utf-8"),
                                              (TCVN3, "docx"), (VNI, "docx")])
def test_real_tcvn3_and_vni_text_is_refused(tmp_path, sample, encoding):
    if encoding == "docx":
        path = tmp_path / "legacy.docx"
        path.write_bytes(docx(f'<w:document xmlns:w="{W}"><w:body>'
                              + "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in sample.splitlines())
                              + "</w:body></w:document>"))
    else:
        path = tmp_path / "legacy.txt"
        path.write_bytes(sample.encode(encoding))   # cp1252 bytes are read back as Windows-1258
    with pytest.raises(SourceDecodeError, match=r"legacy\.(txt|docx).*TCVN3/ABC or VNI"):
        read_source(path)


def test_legacy_text_inside_a_unicode_document_does_not_refuse_it(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text(PLAN * 3 + "\nTrích văn bản cũ: " + TCVN3.splitlines()[0], encoding="utf-8")
    assert "Sở Nội vụ" in read_source(path).text


# -- 5. links, sub-folders, other kinds of files, copies, leftovers of killed builds ----------------------

def test_links_out_of_the_corpus_are_not_followed_and_the_summary_says_so(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\nKẾ HOẠCH bí mật\n", encoding="utf-8")
    (outside / "docs").mkdir()
    (outside / "docs" / "other.txt").write_text(plan("Z"), encoding="utf-8")
    root = corpus(tmp_path, {"a.txt": plan("A"), "sub/deeper/b.md": plan("B")})
    (root / "passwd.txt").symlink_to(outside / "passwd")
    (root / "linked-folder").symlink_to(outside / "docs")
    (root / "same.txt").symlink_to(root / "a.txt")                       # inside: read (and a copy)
    (root / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(root / "pipe.txt")                                        # would block a reader
    r = run("build", str(root), "--out", str(tmp_path / "s"))
    no_traceback(r)
    assert r.exit_code == 0 and "2 documents" in r.output, r.output
    skipped = [line for line in r.output.splitlines() if line.startswith("skipped: ")]
    assert any("passwd.txt: symbolic link leading outside the corpus folder, not followed" in s for s in skipped)
    assert any("linked-folder: symbolic link to a folder, not followed" in s for s in skipped)
    assert any("dangling.txt: broken symbolic link" in s for s in skipped)
    assert any("pipe.txt: not a regular file" in s for s in skipped)
    assert any("same.txt: same text as" in s for s in skipped)
    kg = open_store(tmp_path / "s")
    assert "root:x" not in " ".join(str(d) for d in stats(kg)["documents"])
    assert run("sparql", "--store", str(tmp_path / "s"), 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "root:x")) }'
               ).output.strip() == "false"
    assert sorted(d["document"] for d in stats(kg)["documents"]) == ["a.txt", "b.md"]


def test_other_kinds_of_files_are_listed_as_not_read(tmp_path):
    root = corpus(tmp_path, {"a.txt": plan("A"), "scan.pdf": b"%PDF-1.4", "old/scan2.PDF": b"%PDF-1.4",
                             "table.xlsx": b"PK", ".DS_Store": b"\0", "~$a.docx": b"\0", "sub/.git/config": "x",
                             "README": "x"})
    files = corpus_files([root])
    assert [f.name for f in files] == ["a.txt"]
    report = build(files, tmp_path / "s")
    assert sorted(f.name for f in report.not_read) == [".DS_Store", "README", "scan.pdf", "scan2.PDF", "table.xlsx",
                                                       "~$a.docx"]
    line = next(w for w in report.warnings if w.startswith("not read:"))
    assert line.startswith("not read: 6 files (.pdf 2, hidden or temporary 2, .xlsx 1, no extension 1)")
    with pytest.raises(KGError, match=r"no documents to build.*not read: 1 file \(\.pdf 1\)"):
        corpus_files([corpus(tmp_path / "x", {"only.pdf": b"%PDF"})])


def test_copies_are_built_once_keeping_the_first_by_sorted_path(tmp_path):
    text = plan("A")
    copies = {f"{n}/qd-2703.txt": text for n in ("2024", "2025", "b", "a")}
    root = corpus(tmp_path, {**copies, "0-first.md": text, "other.txt": plan("B"),
                             "nfd.txt": unicodedata.normalize("NFD", text)})
    report = build([root], tmp_path / "s")
    assert sorted(d.source for d in report.documents) == ["0-first.md", "other.txt"]
    assert len(report.duplicates) == 5 and all(kept.name == "0-first.md" for _, kept in report.duplicates)
    assert sum("same text as" in s for s in report.skipped) == 5


def test_leftovers_of_killed_builds_are_cleaned_when_a_build_starts(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    alive = os.getppid()
    out = tmp_path / "store"
    for name in (f"store.building-{pid}", f"store.old-{pid}", f"store.building-{alive}", f"other.building-{pid}"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_text("x")
    root = corpus(tmp_path, {"a.txt": plan("A")})
    report = build([root], out)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["corpus", f"other.building-{pid}", "store", f"store.building-{alive}"]
    assert len(report.cleaned) == 2 and all("left by a killed build" in c for c in report.cleaned)


def test_a_store_moved_aside_by_a_killed_swap_is_put_back(tmp_path, corpus_build):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    aside = tmp_path / f"store.old-{int(dead.stdout)}"
    import shutil
    shutil.copytree(corpus_build.store, aside)
    assert clean_stale(tmp_path / "store") and (tmp_path / "store" / MARKER).is_file() and not aside.exists()


# -- 6. an unclosed container does not swallow the page ----------------------------------------------------

@pytest.mark.parametrize("page", [
    "<html><body><nav><ul><li>Trang chủ<li>Tin tức</ul>{body}</body></html>",
    "<html><body><nav>Trang chủ | Tin tức {body}</body></html>",
    "<html><body><header><nav><ul><li>Menu</li></ul></header>{body}<footer>Bản quyền</footer>",
    "<html><body><form id='aspnetForm'><nav><a>Menu</a></nav>{body}<input name='q'></form></body></html>",
])
def test_an_unclosed_or_page_wide_container_does_not_swallow_the_document(tmp_path, page):
    body = "".join(f"<p>{p}</p>" for p in PLAN.split("\n\n"))
    text = _html_text(page.format(body=body))
    assert "Sở Nội vụ chủ trì" in text and "80% thủ tục hành chính" in text
    path = tmp_path / "page.html"
    path.write_text(page.format(body=body), encoding="utf-8")
    assert "Sở Nội vụ" in read_source(path).text


def test_deep_and_stray_markup_is_read_in_linear_time():
    t = time.perf_counter()
    assert _html_text("<div>" * 100_000 + "<p>Nội dung</p>" + "</span>" * 100_000) == "Nội dung"
    assert _html_text("<nav>" * 100_000 + "Nội dung") == "Nội dung"
    assert time.perf_counter() - t < 3


def test_closed_chrome_is_still_cut():
    text = _html_text("<body><nav><ul><li>Trang chủ</li></ul></nav><p>Nội dung của văn bản về cải cách</p>"
                      "<footer>Bản quyền thuộc về cổng</footer><script>var x</script></body>")
    assert text == "Nội dung của văn bản về cải cách"


# -- 7. kg stats agrees with the build ----------------------------------------------------------------------

def test_stats_agree_with_the_build_on_an_unusual_kind_repeated_titles_and_names(tmp_path):
    # one body named in two ways (one node, two labels), one title in three files, one file name in two folders
    a = plan("A").replace("Sở Nội vụ", "Trung tâm Điều hành Đô thị Thông minh")
    b = plan("A").replace("Sở Nội vụ", "Trung Tâm Điều Hành Đô Thị Thông Minh") + "\nGhi chú.\n"
    root = corpus(tmp_path, {"2024/ke-hoach.txt": a, "2025/ke-hoach.txt": b, "c.txt": a + "\nPhụ lục.\n"})
    report = build([root], tmp_path / "s")
    docs = report.documents
    assert len({d.title for d in docs}) < len(docs)            # repeated titles
    unusual = Document(id="unusual", source="to-trinh.txt", text="x", kind="to_trinh")   # a kind outside the ontology
    store = write_store(tmp_path / "s2", to_nquads([*docs, unusual]), {})
    result = stats(open_store(store))
    assert result["totals"][0]["documents"] == len(docs) + 1
    assert result["totals"][0]["targets"] == sum(len(d.targets) for d in docs)
    assert result["totals"][0]["duties"] == sum(len(d.duties) for d in docs)
    assert result["totals"][0]["ownership links"] == sum(len(d.ownerships) for d in docs)
    rows = result["documents"]
    assert [r["document"] for r in rows].count("ke-hoach.txt") == 2
    assert sorted(r["targets"] for r in rows) == sorted([0] + [len(d.targets) for d in docs])
    assert sorted(r["duties"] for r in rows) == sorted([0] + [len(d.duties) for d in docs])
    assert next(r for r in rows if r["document"] == "to-trinh.txt")["kind"] == "to_trinh"
    agency_duties = sum(r["lead"] + r["coordinate"] + r["implement"] + r["monitor"] for r in result["agencies"])
    assert agency_duties == result["totals"][0]["duties"]


def test_stats_agree_with_the_build_on_the_bundled_corpus(corpus_build, corpus_store):
    totals = stats(corpus_store)["totals"][0]
    docs = corpus_build.documents
    assert (totals["documents"], totals["targets"], totals["duties"], totals["ownership links"]) == (
        len(docs), sum(len(d.targets) for d in docs), sum(len(d.duties) for d in docs),
        sum(len(d.ownerships) for d in docs))


def test_the_bundled_corpus_builds_with_nothing_skipped_or_left_unread(tmp_path):
    r = run("build", str(CORPUS), str(CORPUS), "--out", str(tmp_path / "s"))
    assert r.exit_code == 0 and "5 documents" in r.output
    assert "skipped" not in r.output and "not read" not in r.output


def test_a_body_spelled_two_ways_has_one_preferred_label_so_lookups_count_its_duties_once(tmp_path):
    from kg.query import select
    a = plan("A").replace("Sở Nội vụ", "Trung tâm Điều hành Đô thị Thông minh")
    b = plan("A").replace("Sở Nội vụ", "Trung Tâm Điều Hành Đô Thị Thông Minh") + "\nGhi chú.\n"
    report = build([corpus(tmp_path, {"a.txt": a, "b.txt": b})], tmp_path / "s")
    kg = open_store(report.store)
    assert len(select(kg, "duties")) == sum(len(d.duties) for d in report.documents) == 4
    labels = run("sparql", "--store", str(report.store), "--format", "json",
                 'SELECT ?l ?alt WHERE { ?a skos:prefLabel ?l FILTER(CONTAINS(LCASE(?l), "đô thị thông minh")) '
                 "OPTIONAL { ?a skos:altLabel ?alt } }")
    rows = json.loads(labels.output)
    assert {r["l"] for r in rows} == {"Trung tâm Điều hành Đô thị Thông minh"}
    assert {r["alt"] for r in rows} >= {"Trung Tâm Điều Hành Đô Thị Thông Minh"}
