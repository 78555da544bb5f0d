"""Duty verbs and the role each implies (lead, coordinate, monitor, implement).

Roles follow the gold schema: chủ trì / lãnh đạo / chỉ đạo / là cơ quan thường trực →
lead; phối hợp → coordinate (unless the body coordinates *in* monitoring: "phối hợp
với ... theo dõi, kiểm tra" → monitor); theo dõi / đôn đốc / kiểm tra / giám sát /
tổng hợp / thẩm định in the leading verbs → monitor; any other duty verb → implement.
"""
from __future__ import annotations

import re

LEAD_VERBS = ("chu tri", "lanh dao", "chi dao", "la co quan thuong truc", "la co quan chu tri", "la dau moi")
COORD_VERBS = ("phoi hop",)
MONITOR_VERBS = ("theo doi", "don doc", "kiem tra", "giam sat", "tong hop", "tham dinh", "danh gia")
LIGHT_VERBS = ("to chuc", "tien hanh")  # "tổ chức kiểm tra" is checking, "tổ chức triển khai" is implementing
IMPLEMENT_VERBS = (
    "trien khai", "thuc hien", "to chuc", "xay dung", "tham muu", "huong dan", "lap", "ra soat", "ban hanh",
    "nghien cuu", "tuyen truyen", "bo tri", "dam bao", "bao dam", "quan triet", "pho bien", "cung cap", "van hanh",
    "ket noi", "nang cao", "boi duong", "dao tao", "cap nhat", "cong khai", "huy dong", "de xuat", "kien nghi",
    "tiep nhan", "giai quyet", "bao cao", "gui", "tien hanh", "danh gia", "phan cong", "chuan bi", "thanh lap",
    "hoan thanh", "hoan thien", "ap dung", "duy tri", "cai thien", "thi hanh", "so ket", "tong ket", "khao sat",
    "sap xep", "kien toan", "do luong", "phat trien", "thong tin", "tap trung", "ung dung", "chuyen doi",
    "cai cach", "don gian hoa", "cat giam", "xu ly", "phe duyet", "trinh", "dau tu", "nang cap", "bo sung",
    "sua doi", "tiep tuc", "day manh", "tang cuong", "phat huy", "thuc thi", "ho tro", "khuyen khich",
    "chap hanh", "thuc hien tot", "tham gia", "van dong", "giup", "dieu hanh", "quan ly", "thu hut",
)
NON_DUTY_VERBS = ("yeu cau", "xac dinh", "dat ra", "de ra", "nhan manh", "cho rang", "khang dinh", "da ", "dang ",
                  "duoc ", "co ", "gom", "bao gom", "la ", "ban hanh nghi quyet", "ban hanh chi thi",
                  "ban hanh quyet dinh", "ban hanh ke hoach", "ve viec", "nam ", "thang ", "ngay ", "ky ")
MODIFIERS = ("co trach nhiem", "chiu trach nhiem", "theo chuc nang, nhiem vu, quyen han duoc giao",
             "theo chuc nang, nhiem vu duoc giao", "theo chuc nang, nhiem vu", "can cu chuc nang, nhiem vu, quyen han duoc giao",
             "can cu chuc nang, nhiem vu", "phai", "can", "thuong xuyen", "tiep tuc", "chu dong", "tich cuc", "kip thoi",
             "khan truong", "nghiem tuc", "truc tiep", "tang cuong", "day manh", "cong tac", "viec", "tot", "hang nam",
             "dinh ky", "sau khi", "duoc giao", "giao", "la co quan duoc giao")

_ALL = sorted(LEAD_VERBS + COORD_VERBS + MONITOR_VERBS + IMPLEMENT_VERBS, key=len, reverse=True)
_VERB_RE = re.compile(r"(?:" + "|".join(re.escape(v) for v in _ALL) + r")\b")
_MOD_RE = re.compile(r"(?:" + "|".join(re.escape(m) for m in sorted(MODIFIERS, key=len, reverse=True)) + r")\b[\s,]*")


_WHEN = re.compile(r"(?:trong |den |truoc |tu )?(?:het |cuoi )?(?:nam|quy [ivx1-4]+(?:/| nam )?)\s*20\d\d\s*,\s*")


_BASED_ON = re.compile(r"can cu [^,;.]{0,80}?(?=\b(?:xay dung|trien khai|thuc hien|to chuc|ban hanh|lap|de xuat)\b)")


def skip_modifiers(folded: str, pos: int, end: int) -> int:
    while pos < end:
        while pos < end and folded[pos] in " ,":
            pos += 1
        m = _BASED_ON.match(folded, pos, end) or _WHEN.match(folded, pos, end) or _MOD_RE.match(folded, pos, end)
        if not m:
            break
        # "tăng cường"/"đẩy mạnh" are verbs themselves when nothing verb-like follows.
        nxt = m.end()
        if folded.startswith(("tang cuong", "day manh", "tiep tuc"), pos) and not _VERB_RE.match(folded, nxt, end) \
                and not _MOD_RE.match(folded, nxt, end):
            break
        pos = nxt
    return pos


def verb_cluster(folded: str, pos: int, end: int) -> list[str]:
    """Leading verbs from pos: 'hướng dẫn, theo dõi, đôn đốc, kiểm tra' → four verbs."""
    pos = skip_modifiers(folded, pos, end)
    verbs = []
    while pos < end:
        m = _VERB_RE.match(folded, pos, end)
        if not m:
            break
        verbs.append(m.group())
        pos = m.end()
        nxt = re.match(r"\s*(?:,|\bva\b|\bhoac\b)\s*", folded[pos:end])
        if not nxt:
            break
        pos += nxt.end()
    return verbs


def starts_with_verb(folded: str, pos: int, end: int) -> bool:
    return bool(verb_cluster(folded, pos, end))


def is_non_duty(folded: str, pos: int, end: int) -> bool:
    pos = skip_modifiers(folded, pos, end) if not folded.startswith("da ", pos) else pos
    return any(folded.startswith(v, pos) for v in NON_DUTY_VERBS) and not folded.startswith(
        ("la co quan", "co trach nhiem"), pos)


def role_of(folded: str, pos: int, end: int) -> str:
    """Role implied by the duty text folded[pos:end] (which starts after the agency)."""
    start = skip_modifiers(folded, pos, end)
    head = folded[pos:min(end, pos + 40)]
    if re.search(r"\bchiu trach nhiem (?:chinh|chi dao|lanh dao)", head) or "la co quan thuong truc" in head:
        return "lead"
    verbs = verb_cluster(folded, start, end)
    if not verbs:
        return "implement"
    if verbs[0] in LIGHT_VERBS:
        light = re.match(r"(?:to chuc|tien hanh)\s+", folded[start:end])
        nxt = verb_cluster(folded, start + light.end(), end) if light else []
        if nxt:
            verbs = nxt
    if verbs[0] in LEAD_VERBS or "chu tri" in verbs:
        return "lead"
    if verbs[0] == "phoi hop":
        after = folded[start:end]
        m = re.match(r"phoi hop(?: voi)?(.{0,160}?)\b(" + "|".join(MONITOR_VERBS) + r"|" +
                     "|".join(v for v in IMPLEMENT_VERBS if len(v) > 4) + r")\b", after)
        if m and m.group(2) in MONITOR_VERBS and " voi " in f" {after[:12]} ":
            return "monitor"
        return "coordinate"
    if any(v in MONITOR_VERBS for v in verbs):
        return "monitor"
    if verbs[0] in ("phat huy", "tang cuong") and re.match(r"(?:phat huy|tang cuong)(?: tot)? vai tro (?:giam sat|kiem tra)",
                                                          folded[start:end]):
        return "monitor"
    return "implement"
