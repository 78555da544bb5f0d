"""The readers' shortcuts give the answers of the long way round.

Reading a document fast takes shortcuts: a fold by table, alternations grouped by first letter,
one regex for all item markers, cues swept only where asked, a body list read once for a sentence
and its clause.  Each test here runs the shortcut and the plain way it stands for, on the seeds and
on snippets made to hit their edges, and asks for the same answer.
"""
from __future__ import annotations

import re
import unicodedata

import pytest

from conftest import CORPUS
from kg.agencies import find_mentions
from kg.annotate import ON_DEMAND, annotate
from kg.extract import areas
from kg.extract.page import Page
from kg.ingest import _cut_boilerplate, read_source, text_source
from kg.lexicon import lexicon, not_after, one_of, phrase_regex, word_start
from kg.markers import BULLETS, MARKERS, Marker, marker_of
from kg.structure import _mostly_capitals
from kg.text import _TABLE, _fold_char, fold, fold_aligned


@pytest.fixture(scope="module")
def seeds() -> list[str]:
    """The reading views of the bundled documents, folded."""
    return [fold_aligned(read_source(f).view) for f in sorted(CORPUS.iterdir())]


def test_the_fold_table_folds_every_character_as_fold_char_does():
    text = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000))) + "\U0001d400\U0001f600ab"
    assert fold_aligned(text) == text.translate(_TABLE)
    assert all(fold_aligned(c) == (_fold_char(c) if ord(c) in _TABLE else c) for c in "Uỷ Ủy hoà hòa Đđð\u0301“–…")
    assert fold("  Ủy  ban\tnhân\u00a0dân \n") == "uy ban nhan dan"


def _plain(category: str, value: str | None = None) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(phrase_regex(w) for w in lexicon().words(category, value)) + ")")


def test_grouped_alternations_match_what_plain_ones_match(seeds):
    text = "\n".join(seeds)
    keys = {(e.category, v) for e in lexicon().entries for v in (None, e.value)}
    for category, value in sorted(keys, key=str):
        grouped = re.compile(lexicon().alternation(category, value))
        plain = _plain(category, value)
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)], category


@pytest.mark.parametrize("alternatives", [
    ["abc", "abd", "xy", "a"],                  # a one-letter alternative: an empty branch, last
    ["ab", "a", "abc"],                         # the order within a group is kept (first wins)
    ["abc", "a+b", "x"],                        # a quantifier after the first letter: plain
    ["ab|c", "ad"],                             # a top-level bar: plain
    ["abc", "Abd"],                             # first letters that differ in case only: plain
    [r"a\s+b", r"a(?:x|y)z", "b[|]c", r"c\|d"],
])
def test_one_of_prefers_what_the_plain_alternation_prefers(alternatives):
    grouped, plain = re.compile(one_of(alternatives)), re.compile("(?:" + "|".join(alternatives) + ")")
    for text in ("abc abd a ab xy", "aab abcx", "a+b aab", "c ad ab|c", "Abd abc", "a  b axz ayz b|c c|d", "x"):
        for pos in range(len(text)):
            m, n = grouped.match(text, pos), plain.match(text, pos)
            assert (m and m.span()) == (n and n.span()), (alternatives, text, pos)


def test_word_start_and_not_after_ask_what_b_and_a_lookbehind_ask():
    alternatives = ["ban hanh", "ban", "da", ",x"]
    texts = ["ban hanh", "xban", "1ban", "_da", "a,x", ",x", " da ban", "chỉ ban"]
    bounded = re.compile(one_of(word_start(alternatives)))
    plain = re.compile(r"(?:\bban hanh|\bban|\bda|\b,x)")
    guarded = re.compile(one_of(not_after(alternatives, "[a-z]")))
    behind = re.compile(r"(?<![a-z])(?:ban hanh|ban|da|,x)")
    for text in texts:
        for start in range(len(text)):   # searched from inside the text: what stands before still counts
            for p, q in ((bounded, plain), (guarded, behind)):
                m, n = p.search(text, start), q.search(text, start)
                assert (m and m.span()) == (n and n.span()), (text, start)


def _marker_the_long_way(line: str) -> Marker | None:
    for kind, pattern in MARKERS:
        m = pattern.match(line)
        if m is None:
            continue
        if kind in BULLETS and m.end() >= len(line.rstrip()):
            return None
        if kind == "num" and re.match(r"\d{1,2}\.\d{3}", line):
            return None
        if kind == "dash" and re.match(r"[-–−]\d", line):
            return None
        return Marker(kind, next(g for g in m.groups() if g is not None), m.end())
    return None


def test_one_pattern_reads_the_marker_each_pattern_would():
    lines = [line.lstrip() for f in sorted(CORPUS.iterdir()) for line in read_source(f).view.split("\n")]
    lines += ["Điều 3. Giao", "PHẦN THỨ HAI", "IV - ", "2.1. Sở", "1.500 hồ sơ", "b) Sở", "c. Sở", "Một là, tiếp",
              "-5 điểm", "- ", "* ", "*Ghi chú", "• Sở", "a)", "XVI. Sai", ""]
    for line in lines:
        assert marker_of(line) == _marker_the_long_way(line), line


def test_capitals_are_counted_as_letter_by_letter():
    def long_way(body: str) -> bool:
        letters = list(filter(str.isalpha, body))
        return len(letters) >= 4 and sum(map(str.isupper, letters)) / len(letters) > 0.8
    for body in ["KẾ HOẠCH", "I. MỤC TIÊU, YÊU CẦU", "Kế hoạch", "ABC", "ABCd", "ABCDe", "ΣΑΣ ΣΑΣ", "Ⅳ. MỤC",
                 "𝐀𝐁𝐂𝐃 KẾ", "ĐẢNG ỦY đ", "12345", ""]:
        assert _mostly_capitals(body) == long_way(body), body


def test_the_combined_heading_pattern_finds_the_first_area_each_would():
    for heading in ["a) Cải cách thể chế", "Về cải cách thủ tục hành chính:", "6. Về xây dựng chính quyền điện tử",
                    "f) Các chỉ số của tỉnh", "Kết quả", "II. CẢI CÁCH TỔ CHỨC BỘ MÁY"]:
        key = areas._MARKER.sub("", fold(heading).strip(" :.*"))
        first = next((a for a, p in areas._heading_patterns() if p.match(key)), None)
        assert areas.heading_area(heading) == first, heading


def test_cues_swept_on_demand_are_those_the_whole_sweep_finds():
    for f in sorted(CORPUS.iterdir())[:2]:
        view = read_source(f).view
        ann = annotate(view)
        whole = annotate(view)
        for category in ON_DEMAND:
            everything = whole.all(category)   # swept over the document at once
            assert everything
            for start in range(0, len(view), 97):
                for width in (5, 12, 60, 400):
                    end = min(len(view), start + width)
                    expected = [c for c in everything if start <= c.start and c.end <= end]
                    assert ann.within(category, start, end) == expected, (category, start, end)


@pytest.mark.parametrize("snippet", [
    "Giám đốc các Sở: Tư pháp, Nội vụ.",
    "Giao Giám đốc các Sở:",
    "Ngân hàng Nhà nước khu vực XII.",
    "Ngân hàng Nhà nước khu vực 12;",
    "Sở Tư pháp, Sở Nội vụ và UBND cấp huyện, ",
    "Văn phòng UBND tỉnh chủ trì. Thời gian tới Văn phòng sẽ kiểm tra.",
    "Trung tâm Phục vụ hành chính công tỉnh: ",
    "Chi cục Thuế khu vực V,",
    "phối hợp với Cục Hải quan:",
])
def test_a_span_names_the_same_bodies_without_its_ending_spaces_and_punctuation(snippet):
    source = text_source(snippet)
    page = Page.of(source, "x")
    end = len(page.view)
    trimmed = len(page.view.rstrip(" \t\r\n.,;:"))
    assert find_mentions(page.view, 0, end, page.ann) == find_mentions(page.view, 0, trimmed, page.ann)
    assert page.mentions(0, end) == find_mentions(page.view, 0, end, page.ann)


def test_the_boilerplate_tail_is_cut_where_a_line_opens_with_it():
    tail = re.compile(r"^[\s*#|>_]*" + lexicon().alternation("boilerplate_tail"), re.MULTILINE)
    word = lexicon().of("boilerplate_tail")[0].words[0]
    body = "Kế hoạch cải cách hành chính năm 2025.\n" * 20
    for text in [body + f"\n\n  ** {word} 3\nabc", body + f"{word} ở giữa dòng\n", body + f"\n>{word}",
                 body[:-1] + f"\n\n\n{word}", "x", body]:
        half = len(text) // 2
        at = max(half - 1, 0)
        m = next(tail.finditer(fold_aligned(text[at:]), half - at), None)
        expected = text if m is None else text[:at + m.start()].rstrip()
        assert _cut_boilerplate(unicodedata.normalize("NFC", text))[0] == expected


def test_head_words_in_lower_case_name_no_body(monkeypatch):
    """The sweep keeps a head word or short form only as written with a capital: `find_mentions`
    reads the same bodies as from a sweep that keeps them all."""
    import kg.annotate
    from kg.segment import sentences

    for f in sorted(CORPUS.iterdir()):
        view = read_source(f).view
        kept = annotate(view)
        monkeypatch.setattr(kg.annotate, "CAPITALISED", frozenset())
        every = annotate(view)
        monkeypatch.undo()
        assert len(every.all("agency_head")) > len(kept.all("agency_head"))
        for line in re.finditer(r"[^\n]+", view):
            for s, e in [(line.start(), line.end()), *sentences(view, line.start(), line.end())]:
                assert find_mentions(view, s, e, kept) == find_mentions(view, s, e, every), view[s:e]


def test_numbers_are_found_before_codes_as_everywhere():
    from kg.extract.citations import DOC_NUMBER, numbers_in

    texts = [read_source(f).view for f in sorted(CORPUS.iterdir())]
    texts += ["Số 12/2018/NĐ-CP và 76/NQ-CP", "1/QĐ-TTg2/QĐ", "2025 - NQ/TW", "18-NQ/TW 18 - NQ/TW",
              "61/2018/NĐ-CP61/2018/NĐ-CP", "12345/ABC", "1 /A 2-B", "ngày 1/1/2025/QĐ-UBND"]
    for text in texts:
        assert [m.span() for m in numbers_in(text)] == [m.span() for m in DOC_NUMBER.finditer(text)], text[:60]
