"""Reform areas of Nghị quyết 76/NQ-CP (plus provincial indices and "other").

`heading_area` reads an area heading ("a) Cải cách thể chế", "6. Về xây dựng chính
quyền điện tử, chính quyền số", "f) Các chỉ số của tỉnh"); `keyword_area` classifies
free text by the area vocabulary when no heading says it.
"""
from __future__ import annotations

import re

from ..text import fold

_HEADING = [
    ("the_che", r"cai cach the che"),
    ("thu_tuc_hanh_chinh", r"cai cach (cac )?thu tuc hanh chinh"),
    ("to_chuc_bo_may", r"cai cach to chuc bo may"),
    ("che_do_cong_vu", r"cai cach che do cong vu|xay dung,? nang cao chat luong doi ngu can bo"),
    ("tai_chinh_cong", r"cai cach tai chinh cong"),
    ("chinh_quyen_so", r"(xay dung (va phat trien )?)?chinh (quyen|phu) (dien tu|so)|chuyen doi so|hien dai hoa (nen )?hanh chinh"),
    ("chi_so", r"(cac )?chi so|nang cao (cac )?chi so|cai thien (va nang cao )?(cac )?chi so"),
]
_HEADING_RE = [(a, re.compile(r"^(?:ve\s+)?(?:" + p + r")\b")) for a, p in _HEADING]

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "the_che": ("the che", "van ban quy pham phap luat", "vbqppl", "thi hanh phap luat", "giao duc phap luat",
                "co che, chinh sach", "he thong phap luat", "thuc thi phap luat"),
    "thu_tuc_hanh_chinh": ("thu tuc hanh chinh", "tthc", "mot cua", "phan anh, kien nghi", "chi phi tuan thu",
                           "quy dinh lien quan den hoat dong kinh doanh", "giai quyet dung va truoc han"),
    "to_chuc_bo_may": ("to chuc bo may", "bien che", "don vi hanh chinh", "sap xep", "kien toan", "tinh gon",
                       "chuc nang, nhiem vu"),
    "che_do_cong_vu": ("che do cong vu", "can bo, cong chuc", "cong chuc, vien chuc", "vi tri viec lam",
                       "tuyen dung", "dao tao, boi duong", "ky luat, ky cuong", "trinh do dai hoc", "vien chuc",
                       "cong chuc", "tien luong", "danh gia, phan loai"),
    "tai_chinh_cong": ("tai chinh cong", "ngan sach", "tu chu", "tu bao dam chi", "tu dam bao chi",
                       "chi thuong xuyen", "giai ngan", "kinh phi", "co che tai chinh", "xa hoi hoa", "tai san cong",
                       "cong ty co phan"),
    "chinh_quyen_so": ("chinh quyen dien tu", "chinh quyen so", "chuyen doi so", "cong nghe thong tin", "dien tu",
                       "truc tuyen", "moi truong so", "moi truong mang", "so hoa", "co so du lieu",
                       "he thong thong tin", "chu ky so", "phan mem", "mang thong tin", "nen tang", "iso", "du lieu",
                       "thiet bi di dong", "dich vu cong"),
    "chi_so": ("chi so", "par index", "sipas", "pci", "papi", "xep hang", "thu hang", "hai long"),
}
_KEYWORD_RE = {a: re.compile(r"\b(?:" + "|".join(re.escape(k) for k in ks) + r")\b") for a, ks in _KEYWORDS.items()}
# Phrases that name an area outright outweigh vocabulary that several areas share.
_STRONG = {"the_che": "cai cach the che", "thu_tuc_hanh_chinh": "thu tuc hanh chinh",
           "to_chuc_bo_may": "to chuc bo may", "che_do_cong_vu": "che do cong vu",
           "tai_chinh_cong": "tai chinh cong", "chinh_quyen_so": "chinh quyen (dien tu|so)", "chi_so": "chi so"}


def heading_area(heading: str) -> str | None:
    """The area a heading names, or None when it is not an area heading."""
    key = fold(heading).strip(" :.*")
    key = re.sub(r"^(?:[a-zđ0-9ivx.]+[.)\-]\s+)", "", key)
    for area, pattern in _HEADING_RE:
        if pattern.match(key):
            return area
    return None


def keyword_area(text: str) -> str | None:
    """Area whose vocabulary the text uses most (earliest hit breaks ties); None if none."""
    key = fold(text)
    best: tuple[int, int, str] | None = None
    for area, pattern in _KEYWORD_RE.items():
        hits = [m.start() for m in pattern.finditer(key)]
        if not hits:
            continue
        weight = len(hits) + (3 if re.search(_STRONG[area], key) else 0)
        cand = (-weight, hits[0], area)
        if best is None or cand < best:
            best = cand
    return best[2] if best else None


def areas_named(text: str) -> list[str]:
    """Areas a duty text names outright ("... cải cách tổ chức bộ máy, cải cách chế độ công vụ")."""
    key = fold(text)
    out = []
    for area, pattern in _HEADING:
        if area == "chi_so":
            pattern = r"chi so (cai cach hanh chinh|par|hai long|nang luc canh tranh|hieu qua quan tri)|chi so cchc"
        if re.search(r"(?:noi dung|cong tac|nhiem vu|ve)?\s*(?:" + pattern + ")", key):
            out.append(area)
    return out
