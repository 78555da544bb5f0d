"""Duties: which named body must do what, in which role.

Three ways a text gives a duty:
- a sentence (or clause) whose subject is a list of bodies followed by a duty verb
  ("Sở Nội vụ chủ trì ...", "Giao Ban cán sự đảng ... lãnh đạo UBND tỉnh triển khai ...");
  later ";"-clauses that open with a verb are further duties of the same subject;
- items under an agency heading ("2. Sở Nội vụ" → a), b), c)), or under an intro whose
  subject is a body ("Ban cán sự đảng ... trong đó tập trung:" → its bullets);
- bodies named as objects: "phối hợp với X" (X coordinates), "vai trò giám sát ... của
  X" (X monitors), "gửi X để tổng hợp" (X monitors).
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from ..agencies import Mention, find_mentions
from ..model import Agency, Duty, Span
from ..structure import Node
from ..text import fold, sentence_spans
from .areas import keyword_area
from .context import NodeContext
from .verbs import is_non_duty, role_of, skip_modifiers, starts_with_verb, verb_cluster

_SKIP_SECTIONS = ("results", "views", "recipients")
_LABEL = re.compile(r"(?:(?:co quan|don vi|bo phan)\s+)?(chu tri|phoi hop)(?:\s+thuc hien)?\s*:\s*")
_OTHER_LABEL = re.compile(r"(?:thoi gian|thoi han|san pham|kinh phi|ket qua)[^:;\n]{0,25}:")
_COMMA_SUBJECT = re.compile(r"(?:muc tieu|yeu cau|dat ra|de ra|nam 20\d\d)")
_PREFIX = re.compile(r"(?:giao|de nghi|yeu cau|can cu[^,]{0,60},)\s+")
_TITLE = re.compile(r"(?:chanh|pho chanh|giam doc|pho giam doc|thu truong|chu tich|pho chu tich|truong ban|"
                    r"pho truong ban|truong|nguoi dung dau|bi thu|lanh dao)\s+(cac\s+)?")
_SEPARATOR = re.compile(r"\s*(?:,|\bva\b|\bcung\b|\bvoi\b)\s*")
_FILLER = re.compile(
    r"(?:cac\s+)?(?:co quan|don vi|to chuc|ca nhan|dia phuong|doanh nghiep|chinh quyen|ban, nganh|nganh|doan the|"
    r"nguoi dung dau|nhan dan|cac cap|co lien quan|lien quan|trong tinh|tren dia ban tinh)"
    r"(?:\s*(?:,|va)?\s*(?:cac\s+)?(?:co quan|don vi|to chuc|ca nhan|dia phuong|doanh nghiep|chinh quyen|doan the|"
    r"nganh|nhan dan|cac cap|co lien quan|lien quan|trong tinh|tren dia ban tinh)){0,6}")


@lru_cache(maxsize=1)
def _province_suffix() -> re.Pattern[str]:
    names = [fold(line) for line in files("kg").joinpath("data/provinces.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return re.compile(r"\s+(?:tinh|thanh pho)\s+(?:" + "|".join(re.escape(n) for n in names) + r")\b")


def to_agency(m: Mention) -> Agency:
    a = m.agency
    return Agency(id=a.id, name=a.vi, name_en=a.en, type=a.type, known=a.known, renamed_to=a.renamed_to)


class DutyReader:
    """Reads the duties of one document, paragraph by paragraph."""

    def __init__(self, text: str, folded: str, doc_id: str, provincial: bool = True):
        self.text, self.folded, self.doc_id = text, folded, doc_id
        self.provincial = provincial  # a province's document: national bodies it works with are not its duty-bearers
        self.count = 0
        self._heading_agencies: dict[int, list[Mention] | None] = {}
        self._table: dict[str, int] | None = None

    # -- subjects -------------------------------------------------------------------
    def subject_at(self, pos: int, end: int, mentions: list[Mention]) -> tuple[list[Mention], int] | None:
        """Bodies listed as the subject starting at pos, and where the predicate starts."""
        f = self.folded
        pos = _skip_ws(f, pos, end)
        m = _PREFIX.match(f, pos, end)
        if m:
            pos = m.end()
        found: list[Mention] = []
        while pos < end:
            t = _TITLE.match(f, pos, end)
            probes = {pos, t.end(), t.start(1)} if t else {pos}
            hit = next((mm for mm in mentions if mm.start in probes), None)
            if hit is None and t and found:
                # a title over a body the gazetteer lacks ("Giám đốc các sở"): skip that part of the list
                comma = f.find(",", t.end(), end)
                sep_end = comma + 1 if comma > 0 and comma - t.end() < 40 else -1
                if sep_end > 0:
                    pos = _skip_ws(f, sep_end, end)
                    continue
            if hit is None:
                if found:
                    fm = _FILLER.match(f, pos, end)
                    if fm and fm.end() > pos:
                        pos = fm.end()
                        sep = _SEPARATOR.match(f, pos, end)
                        if sep and sep.end() > pos:
                            pos = sep.end()
                            continue
                break
            found.append(hit)
            pos = hit.end
            ps = _province_suffix().match(f, pos, end)
            if ps:
                pos = ps.end()
            sep = _SEPARATOR.match(f, pos, end)
            if sep and sep.end() > pos and f[pos:sep.end()].strip() in (",", "va", "cung", ", va"):
                pos = sep.end()
                continue
            break
        if not found:
            return None
        return found, _skip_ws(f, pos, end)

    def agencies_of_heading(self, node: Node) -> list[Mention] | None:
        """Bodies a heading names ("2. Sở Nội vụ", "1. Các sở, ban, ngành tỉnh, UBND cấp huyện có trách nhiệm")."""
        key = id(node)
        if key in self._heading_agencies:
            return self._heading_agencies[key]
        result = None
        if node.is_heading or node.is_intro:
            body_end = node.end
            colon = self.text.find(":", node.body_start, node.end)
            if colon > 0 and node.is_heading and not node.is_intro:
                body_end = colon
            mentions = find_mentions(self.text, node.body_start, body_end)
            if mentions:
                sub = self.subject_at(node.body_start, body_end, mentions)
                if sub:
                    agencies, pred = sub
                    rest = self.folded[pred:body_end].strip(" :.*")
                    rest = re.sub(r"^(?:co trach nhiem|chiu trach nhiem|thuc hien)\s*", "", rest).strip(" :")
                    if not rest:
                        result = agencies
                    elif node.is_intro and starts_with_verb(self.folded, pred, body_end) \
                            and not is_non_duty(self.folded, pred, body_end):
                        result = agencies
        self._heading_agencies[key] = result
        return result

    def context_agencies(self, node: Node) -> list[Mention] | None:
        for anc in node.ancestors():
            if anc.kind in ("root",):
                return None
            found = self.agencies_of_heading(anc)
            if found:
                return found
        return None

    # -- duties ---------------------------------------------------------------------
    def read(self, node: Node, ctx: NodeContext) -> list[Duty]:
        cells = table_cells(self.text, node.start, node.end)
        if len(cells) >= 3:
            return self._table_row(cells, ctx)
        self._table = None
        if ctx.section in _SKIP_SECTIONS or node.kind in ("root", "implicit", "caps"):
            return []
        start, end = node.body_start, node.end
        if end <= start:
            return []
        inherited = self.context_agencies(node)
        own_heading = self.agencies_of_heading(node)
        duties: list[Duty] = []
        sentences = sentence_spans(self.text, start, end)
        labelled = self._labelled(node, start, end, ctx)
        if labelled:
            return labelled
        for i, (ss, se) in enumerate(sentences):
            mentions = find_mentions(self.text, ss, se)
            own, objects = self._sentence(ss, se, mentions, ctx) if mentions else ([], [])
            if own_heading and not node.is_intro and i == 0 and not own:
                duties.extend(objects)
                continue
            if not own and inherited and (i == 0 or node.kind == "para"):
                own = self._inherited(ss, se, inherited, ctx,
                                      whole=(start, end) if node.kind != "para" else (ss, se))
            duties.extend(own)
            duties.extend(objects)
        return duties

    def _labelled(self, node: Node, start: int, end: int, ctx: NodeContext) -> list[Duty]:
        """'Cơ quan chủ trì: Sở Tư pháp; Cơ quan phối hợp: ...' under (or inside) a task item."""
        f = self.folded
        out: list[Duty] = []
        for m in _LABEL.finditer(f, start, end):
            role = "lead" if m.group(1) == "chu tri" else "coordinate"
            stop = min([i for i in (f.find("\n", m.end(), end),) if i >= 0] or [end])
            nxt = _LABEL.search(f, m.end(), stop) or _OTHER_LABEL.search(f, m.end(), stop)
            stop = nxt.start() if nxt else stop
            mentions = find_mentions(self.text, m.end(), stop)
            if not mentions:
                continue
            before = self.text[start:m.start()].strip(" -+*;:,.\n")
            if len(before) > 15:
                ts, te = start, m.start()
            elif node.parent is not None and node.parent.kind not in ("root", "implicit"):
                ts, te = node.parent.body_start, node.parent.end
            else:
                ts, te = m.start(), stop
            duties = self._make(mentions, role, m.start(), stop, ts, te, ctx)
            for d in duties:
                object.__setattr__(d, "task", re.sub(r"\s+", " ", self.text[ts:te]).strip(" ,.;:-")[:600])
            out.extend(duties)
        return out

    def _table_row(self, cells: list[tuple[int, int]], ctx: NodeContext) -> list[Duty]:
        """A row of a "Nhiệm vụ | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian" table."""
        keys = [self.folded[s:e] for s, e in cells]
        if any("chu tri" in k for k in keys) and any(re.search(r"nhiem vu|noi dung|cong viec", k) for k in keys):
            self._table = {}
            for i, k in enumerate(keys):
                if "chu tri" in k:
                    self._table.setdefault("lead", i)
                elif "phoi hop" in k:
                    self._table.setdefault("coordinate", i)
                elif re.search(r"nhiem vu|noi dung|cong viec", k):
                    self._table.setdefault("task", i)
            return []
        if not self._table or "task" not in self._table or re.fullmatch(r"[\s:|-]*", "".join(keys)):
            return []
        row_s, row_e = cells[0][0], cells[-1][1]
        ts, te = cells[self._table["task"]]
        out: list[Duty] = []
        for role in ("lead", "coordinate"):
            col = self._table.get(role)
            if col is None or col >= len(cells):
                continue
            cs, ce = cells[col]
            mentions = find_mentions(self.text, cs, ce)
            out.extend(self._make(mentions, role, row_s, row_e, ts, te, ctx))
        return out

    def _sentence(self, ss: int, se: int, mentions: list[Mention], ctx: NodeContext) -> tuple[list[Duty], list[Duty]]:
        """Duties of the sentence's own subjects, and of bodies named as objects."""
        f = self.folded
        out: list[Duty] = []
        objects: list[Duty] = []
        clauses = _split(self.text, ss, se, ";")
        subject: list[Mention] | None = None
        prev_role: str | None = None
        for cs, ce in clauses:
            cm = [m for m in mentions if cs <= m.start < ce]
            sub = self.subject_at(cs, ce, cm) if cm else None
            pred = None
            if sub and starts_with_verb(f, sub[1], ce) and not is_non_duty(f, sub[1], ce):
                subject, pred = sub
                q_start = cs
            elif not sub and subject and starts_with_verb(f, cs, ce) and not is_non_duty(f, cs, ce):
                pred, q_start = cs, cs
            else:
                subject = None
                # A subject after a comma, once a requester or a deadline has been named:
                # "Tỉnh ủy đặt ra mục tiêu đến hết năm 2022, ngành X triển khai ..."
                for m in cm:
                    if m.start > cs and f[m.start - 2:m.start] == ", " and _COMMA_SUBJECT.search(f[cs:m.start]):
                        sub2 = self.subject_at(m.start, ce, [x for x in cm if x.start >= m.start])
                        if sub2 and starts_with_verb(f, sub2[1], ce) and not is_non_duty(f, sub2[1], ce):
                            subject, pred = sub2
                            q_start = m.start
                            break
            if subject and pred is not None:
                role = role_of(f, pred, ce)
                if q_start == cs and sub is None and role == prev_role:
                    continue  # a further clause of the same duty ("...; tổng hợp, báo cáo ...")
                prev_role = role
                out.extend(self._make(subject, role, q_start, ce, pred, ce, ctx))
                out.extend(self._chained(subject, pred, ce, cm, ctx, q_start))
            objects.extend(self._objects(cs, ce, cm, ctx, exclude=subject if pred is not None else None))
        return out, objects

    def _inherited(self, ss, se, agencies, ctx, whole) -> list[Duty]:
        f = self.folded
        first = _split(self.text, ss, se, ";")[0]
        if is_non_duty(f, first[0], first[1]) or not re.match(r"\s*[^\W\d_]", f[first[0]:first[0] + 3]):
            return []
        role = role_of(f, ss, first[1])
        q_end = first[1] if first[1] - ss > 30 else se
        return self._make(agencies, role, ss, q_end, ss, whole[1], ctx)

    def _chained(self, subject, pred, ce, cm, ctx, q_start) -> list[Duty]:
        """'X lãnh đạo/chỉ đạo Y triển khai ...': Y has a duty too."""
        f = self.folded
        verbs = verb_cluster(f, pred, ce)
        if not verbs or verbs[-1] not in ("lanh dao", "chi dao"):
            return []
        pos = skip_modifiers(f, pred, ce)
        m = re.match(r"(?:(?:lanh dao|chi dao)\s*,?\s*(?:va\s+)?)+", f[pos:ce])
        if not m:
            return []
        obj = pos + m.end()
        sub = self.subject_at(obj, ce, [x for x in cm if x.start >= obj])
        if not sub or len(sub[0]) != 1 or sub[0][0].agency.id in {s.agency.id for s in subject}:
            return []
        if not starts_with_verb(f, sub[1], ce):
            return []
        role = role_of(f, sub[1], ce)
        return self._make(sub[0], role, sub[0][0].start, ce, sub[1], ce, ctx)

    def _objects(self, cs, ce, cm, ctx, exclude) -> list[Duty]:
        f = self.folded
        out: list[Duty] = []
        skip = {m.agency.id for m in exclude} if exclude else set()
        for m in re.finditer(r"phoi hop (?:chat che )?voi\s+", f[cs:ce]):
            at = cs + m.end()
            sub = self.subject_at(at, ce, [x for x in cm if x.start >= at])
            if sub:
                bodies = [x for x in sub[0] if x.agency.type != "Generic" and x.agency.id not in skip
                          and not (self.provincial and x.agency.type == "Ministry")]
                out.extend(self._make(bodies, "coordinate", cs, ce, at, ce, ctx))
        for m in re.finditer(r"vai tro\b", f[cs:ce]):
            window_end = min(ce, cs + m.end() + 200)
            seg = f[cs + m.end():window_end]
            if not re.search(r"giam sat|phan bien|kiem tra", f[cs:window_end]):
                continue
            of = re.search(r"\bcua\s+", seg)
            if not of:
                continue
            at = cs + m.end() + of.end()
            sub = self.subject_at(at, window_end, [x for x in cm if x.start >= at])
            if sub:
                bodies = [x for x in sub[0] if x.agency.id not in skip]
                out.extend(self._make(bodies, "monitor", cs, ce, cs, ce, ctx))
        for hit in cm:
            # "gửi Sở Tài chính để tổng hợp", "báo cáo kết quả về Sở Nội vụ để tổng hợp"
            if re.search(r"\b(?:gui|ve)\s+$", f[max(cs, hit.start - 8):hit.start]) \
                    and re.match(r"[^.;]{0,80}?\bde tong hop", f[hit.end:ce]) \
                    and hit.agency.id not in skip:
                out.extend(self._make([hit], "monitor", cs, ce, hit.end, ce, ctx))
        return out

    def _make(self, agencies: list[Mention], role: str, qs: int, qe: int, ts: int, te: int,
              ctx: NodeContext) -> list[Duty]:
        qs, qe = _trim(self.text, qs, qe)
        if qe - qs > 400:
            cut = self.text.rfind(",", qs, qs + 400)
            qe = cut if cut > qs + 60 else qs + 400
            qs, qe = _trim(self.text, qs, qe)
        task = re.sub(r"\s+", " ", self.text[ts:te]).strip(" ,.;:")[:600]
        area = keyword_area(task)
        out, seen = [], set()
        for m in agencies:
            if m.agency.id in seen:
                continue
            seen.add(m.agency.id)
            self.count += 1
            out.append(Duty(id=f"{self.doc_id}-d{self.count}", agency=to_agency(m), role=role, area=area, task=task,
                            span=Span(qs, qe, self.text[qs:qe]), mention=Span(m.start, m.end, m.surface)))
        return out


def table_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cells of a markdown/pipe table row (start and end of each cell's text), else []."""
    line_s = text.rfind("\n", 0, start) + 1
    line_e = text.find("\n", end)
    line_e = len(text) if line_e < 0 else line_e
    if text.count("|", line_s, line_e) < 2:
        return []
    cells, cur = [], line_s
    for i in range(line_s, line_e + 1):
        if i == line_e or text[i] == "|":
            s, e = cur, i
            while s < e and text[s] in " \t*":
                s += 1
            while e > s and text[e - 1] in " \t*":
                e -= 1
            cells.append((s, e))
            cur = i + 1
    if cells and cells[0][0] == cells[0][1]:
        cells = cells[1:]
    if cells and cells[-1][0] == cells[-1][1]:
        cells = cells[:-1]
    return cells


def _skip_ws(f: str, pos: int, end: int) -> int:
    while pos < end and f[pos] in " \t\n\r*-+•":
        pos += 1
    return pos


def _split(text: str, s: int, e: int, sep: str) -> list[tuple[int, int]]:
    parts, cur, depth = [], s, 0
    for i in range(s, e):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append((cur, i))
            cur = i + 1
    parts.append((cur, e))
    return [p for p in ((_skip_ws(text, a, b), b) for a, b in parts) if p[1] > p[0]]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\n\r,;:.-+*":
        s += 1
    while e > s and text[e - 1] in " \t\n\r,;:":
        e -= 1
    return s, e
