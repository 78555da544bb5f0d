"""Hostile and structureless input builds (with warnings) and never crashes."""
from __future__ import annotations

import random

from click.testing import CliRunner

from kg.cli import cli
from kg.extract import extract_document
from kg.ingest import read_source
from kg.model import Duty, Target


def test_structureless_document_builds_with_warnings(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Biên bản cuộc họp giao ban tuần. Không có nội dung cải cách.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "no targets found" in result.output and "no agencies with duties found" in result.output


def test_control_characters_long_lines_and_a_huge_paragraph(tmp_path):
    rng = random.Random(7)
    words = ("Sở Nội vụ chủ trì triển khai đến năm 2025 đạt tối thiểu 80% thủ tục hành chính trực tuyến "  # noqa: SIM905
             "phối hợp với Sở Tư pháp theo dõi kiểm tra").split()
    paragraph = " ".join(rng.choice(words) for _ in range(1_500_000))   # ~10 MB of one paragraph
    text = "KẾ HOẠCH\n\x01\x02\x7f|**|\n" + "x" * 300_000 + "\n" + paragraph + "\n"
    path = tmp_path / "hostile.txt"
    path.write_text(text, encoding="utf-8")
    src = read_source(path)
    doc = extract_document(src, "h")
    facts: list[Target | Duty] = [*doc.targets, *doc.duties]
    for fact in facts:
        assert src.text[fact.span.start:fact.span.end] == fact.span.quote
    assert len(doc.targets) + len(doc.duties) <= 5000
    assert any("not read" in w for w in doc.warnings)
