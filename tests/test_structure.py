"""Heading trees of the seeds: roman parts, Điều, numbers, letters, bullets, year blocks, lost headings."""
from __future__ import annotations

from conftest import seed
from kg.ingest import read_source, text_source
from kg.reading import reading_view
from kg.structure import outline, parse


def tree(prefix: str):
    src = read_source(seed(prefix))
    return src.text, parse(src.view, src.text)


def find(root, start: str):
    return next(n for n in root.walk() if n.kind != "root" and n.body.startswith(start))


def test_roman_parts_numbers_letters_and_dashes_nest():
    _, root = tree("000")
    parts = [n for n in root.walk() if n.kind == "roman"]
    assert [p.label for p in parts] == ["I", "II", "III", "IV", "V"]
    area = find(root, "Cải cách thủ tục hành chính")
    assert area.kind == "letter" and area.label == "b"
    assert area.parent.body.startswith("Mục tiêu cụ thể")
    assert [c.kind for c in area.children] == ["dash", "dash"]


def test_hard_wrapped_paragraph_is_one_node():
    _, root = tree("000")
    node = find(root, "Đến năm 2030, tiếp tục giảm bình quân 10%")
    assert "với sự phục vụ của cơ quan hành chính nhà nước đạt tối thiểu 95%" in node.body


def test_lost_headings_open_implicit_sections_and_agency_headings_hold_their_items():
    _, root = tree("001")
    implicit = [n for n in root.walk() if n.kind == "implicit"]
    assert len(implicit) >= 3
    assert implicit[0].children[0].body.startswith("Mục tiêu chung")
    noi_vu = find(root, "Sở Nội vụ")
    assert noi_vu.kind == "num" and [c.label for c in noi_vu.children][:3] == ["a", "b", "c"]
    assert len(noi_vu.children) == 11


def test_year_blocks_hold_their_bullets():
    _, root = tree("001")
    block = next(n for n in root.walk() if n.body.strip() == "Đến năm 2025:")
    assert block.is_intro and block.children and all(c.kind == "plus" for c in block.children)


def test_markdown_leftovers_and_ordinal_items():
    _, root = tree("002")
    assert find(root, "CHỈ THỊ").kind == "caps"
    intro = find(root, "Ban cán sự đảng Ủy ban nhân dân tỉnh chỉ đạo")
    assert len(intro.children) == 8
    _, root4 = tree("004")
    assert [n.label for n in root4.walk() if n.kind == "ordinal"][:4] == ["Một", "Hai", "Ba", "Bốn"]


def test_outline_is_printable():
    _, root = tree("003")
    assert "TĂNG SỰ HÀI LÒNG" in outline(root)


def test_hard_wraps_before_a_number_or_a_name_are_joined():
    text = ("I. MỤC TIÊU\n\n1. Đến năm 2025, phấn đấu tỷ lệ thủ tục hành chính cung cấp trực tuyến đạt tối thiểu\n"
            "80% tổng số thủ tục; tỷ lệ hồ sơ được số hóa của\nỦy ban nhân dân cấp huyện đạt 100%.\n"
            "2. Mục tiêu khác\n")
    root = parse(reading_view(text), text)
    item = find(root, "Đến năm 2025")
    assert item.body.endswith("cấp huyện đạt 100%.")
    assert find(root, "Mục tiêu khác").kind == "num"


def test_numbers_in_brackets_are_list_items_that_hold_their_bullets():
    view = ("Yêu cầu:\n\n(1) Bộ Công an:\n\n- Chủ trì triển khai.\n\n(2) Bộ Tài chính:\n\n- Bố trí kinh phí.\n\n"
            "(ii) Một mục khác.\n")
    root = parse(view)
    items = [n for n in root.walk() if n.kind == "paren"]
    assert [(n.label, n.ordinal, n.body.strip()) for n in items] == [("1", 1, "Bộ Công an:"), ("2", 2, "Bộ Tài chính:")]
    assert [c.body.strip() for c in items[1].children] == ["Bố trí kinh phí."]
    roman = next(n for n in root.walk() if n.kind == "paren_roman")
    assert (roman.label, roman.ordinal) == ("ii", 2)


def test_a_bracketed_star_is_a_bullet_not_markup():
    src = text_source("Trách nhiệm như sau:\n\n(*) Giao Sở Tài chính:\n\n- Tham mưu bố trí kinh phí.\n")
    star = next(n for n in parse(src.view, src.text).walk() if n.kind == "star")
    assert star.body.strip() == "Giao Sở Tài chính:"


def test_an_article_number_wrapped_to_the_next_line_stays_with_its_article():
    text = ("**Điều\n17. Trách nhiệm của Sở Tài chính**\n\nTham mưu bố trí kinh phí.\n\n"
            "**Điều\n18. Điều khoản thi hành**\n")
    root = parse(reading_view(text), text)
    articles = [n for n in root.walk() if n.kind == "dieu"]
    assert [(n.label, n.body.strip(" *")) for n in articles] == [("17", "Trách nhiệm của Sở Tài chính"),
                                                                ("18", "Điều khoản thi hành")]
    assert not [n for n in root.walk() if n.body.strip(" *") == "Điều"]


def test_markdown_headings_nest_by_level_and_close_the_lists_above_them():
    text = ("# Thủ tục cấp lại Giấy chứng nhận\n\n## Trình tự thực hiện\n\n(1) Nộp hồ sơ.\n\n"
            "(2) Văn phòng đăng ký đất đai thực hiện các công việc sau:\n\na) Kiểm tra hồ sơ.\n\n"
            "## Cách thức thực hiện\n\n- Nộp trực tiếp.\n\n### Lưu ý\n\nMột đoạn.\n\n## Lệ phí\n\nKhông.\n")
    root = parse(reading_view(text), text)
    title = find(root, "Thủ tục cấp lại")
    assert title.atx == 1 and title.is_heading and title.parent is root
    sections = [n for n in title.children if n.atx == 2]
    assert [n.body.strip() for n in sections] == ["Trình tự thực hiện", "Cách thức thực hiện", "Lệ phí"]
    assert find(root, "Nộp trực tiếp").parent is sections[1]
    assert find(root, "Lưu ý").parent is sections[1] and find(root, "Một đoạn").parent is find(root, "Lưu ý")
    assert find(root, "Kiểm tra hồ sơ").parent is find(root, "Văn phòng đăng ký")


def test_a_heading_that_asks_about_a_year_does_not_date_its_section():
    from kg.extract.context import contexts

    text = ("# Đến năm 2030 kinh phí cho nghiên cứu đạt bao nhiêu %GDP?\n\n- Một mục.\n\n"
            "## Nhiệm vụ năm 2025\n\n- Mục khác.\n")
    root = parse(reading_view(text), text)
    ctx = contexts(root)
    assert ctx[id(find(root, "Một mục"))].block_year is None
    assert ctx[id(find(root, "Mục khác"))].block_year == 2025


def test_an_unnumbered_intro_holds_its_items_until_the_next_paragraph_that_heads_what_follows():
    text = ("Theo đó, từ ngày 01/12/2025, Cục Lãnh sự triển khai 04 thủ tục sau:\n\n- Thủ tục cấp hộ chiếu.\n\n"
            "- Thủ tục gia hạn hộ chiếu.\n\nCăn cứ Hướng dẫn 5609/LS-XNC, các bước như sau:\n\n- Bước 1: Truy cập.\n")
    root = parse(reading_view(text), text)
    first, second = find(root, "Theo đó"), find(root, "Căn cứ Hướng dẫn")
    assert [c.body.strip() for c in first.children] == ["Thủ tục cấp hộ chiếu.", "Thủ tục gia hạn hộ chiếu."]
    assert second.parent is root and find(root, "Bước 1").parent is second
