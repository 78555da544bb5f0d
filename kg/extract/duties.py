"""Duties: which named body must do what, in which role.

Ways a text gives a duty:
- a sentence (or clause) whose subject is a list of bodies followed by a duty verb
  ("Sở Nội vụ chủ trì ...", "Giao Ban cán sự đảng ... lãnh đạo UBND tỉnh triển khai ...",
  "Giám đốc các sở, ...; Chủ tịch UBND cấp xã chịu trách nhiệm thi hành ...");
  later ";"-clauses that open with a verb are further duties of the same subject;
- items under an agency heading ("2. Sở Nội vụ" → a), b), c)), or under an intro whose
  subject is a body ("Ban cán sự đảng ... trong đó tập trung:", "Giao Sở X chủ trì ... có
  trách nhiệm:" → its items);
- labels ("Cơ quan chủ trì: Sở Tư pháp; Cơ quan phối hợp: ...");
- bodies named as objects: "phối hợp với X" (X coordinates), "vai trò giám sát ... của
  X" (X monitors), "gửi X để tổng hợp" (X monitors).
The words (requesters, address forms, labels, fillers) are cues of the lexicon.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..agencies import Mention
from ..lexicon import lexicon, phrase_regex
from ..model import Agency, Duty
from ..segment import split_at
from ..structure import Node, heading_text
from .areas import keyword_area
from .context import NO_DUTY_SECTIONS, NodeContext
from .page import DocState, Page
from .roles import is_non_duty, role_of, skip_modifiers, starts_with_verb, verb_cluster
from .tasks import deadline_of


@lru_cache(maxsize=1)
def _deadline_clause() -> re.Pattern[str]:
    return re.compile(rf"(?:{lexicon().alternation('deadline_phrase')})\b")



@lru_cache(maxsize=1)
def _grammar() -> dict[str, re.Pattern[str]]:
    lex = lexicon()
    filler = lex.alternation("filler_body")
    return {
        "label": re.compile(rf"(?:{lex.alternation('label', 'lead')}|{lex.alternation('label', 'coordinate')})"
                            r"\s*:\s*"),
        "other_label": re.compile(rf"{lex.alternation('label', 'other')}[^:;\n]{{0,25}}:"),
        "comma_subject": re.compile(rf"(?:{lex.alternation('comma_subject')}|nam 20\d\d)"),
        "condition": re.compile(rf"{lex.alternation('condition')}\b"),
        "past": re.compile(r"(?<![a-z])(?:da|vua qua|nam qua)\s"),
        "opener": re.compile(rf"{lex.alternation('subject_opener')}\s+$"),
        "phrase_lead_in_word": re.compile(rf"{lex.alternation('lead_in')}\b"),
        "phrase_lead_in": re.compile(rf"{lex.alternation('lead_in')}\b[^,;:.]{{0,100}},\s*"),
        "lead_in": re.compile(rf"(?:{lex.alternation('subject_opener')}|trong do|(?:trong |den |truoc |tu )?"
                              r"(?:het |cuoi )?(?:nam 20\d\d|ngay \d{1,2}/\d{1,2}(?:/20\d\d)?|thang \d{1,2}/20\d\d"
                              r"|quy [ivx1-4]+(?:/| nam )20\d\d))\s*,\s*"),
        "duty_heading": re.compile(rf"(?:{lex.alternation('duty_heading')})\s*"),
        "announces": re.compile(rf"^(?:(?:theo|tai|quy dinh tai|duoc quy dinh tai)\b[^:;]{{0,160}}?\s)?"
                                rf"(?:{lex.alternation('list_closer')})$"),
        "duty_section": re.compile(rf"(?:{lex.alternation('duty_section')})"),
        "body_definition": re.compile(rf"\s(?:{lex.alternation('body_definition')})\b"),
        "topic": re.compile(rf"\s*(?:{lex.alternation('topic_opener')})\s"),
        "heading_tail": re.compile(rf"^(?:{lex.alternation('heading_tail')})\b\s*"),
        # "Trung tâm Đổi mới sáng tạo Hà Nội có trách nhiệm:": an item that names its own body (one the
        # gazetteer may lack) before saying it has duties
        "own_subject": re.compile(r"\s*[^\W\d_][^,;:.]{2,80}?\s(?:" + "|".join(
            phrase_regex(w) for w in lex.words("heading_tail") if w.startswith(("co ", "chiu "))) + r")\b"),
        "prefix": re.compile(rf"(?:{lex.alternation('requester')}|can cu[^,]{{0,60}},)\s+"),
        "title": re.compile(rf"(?:{lex.alternation('address')})\s+(cac\s+)?"),
        "separator": re.compile(r"\s*(?:,|;|\bva\b|\bcung\b|\bvoi\b)\s*"),
        "filler": re.compile(rf"(?:cac\s+)?{filler}(?:\s*(?:,|va)?\s*(?:cac\s+)?{filler}){{0,6}}"),
        "coord_object": re.compile(r"phoi hop (?:chat che )?(?:voi\s+)?"),
        "monitor_role": re.compile(r"vai tro\b"),
        "to_summarise": re.compile(r"[^.;]{0,120}?\bde (?:theo doi, )?tong hop"),
    }


def to_agency(m: Mention) -> Agency:
    a = m.agency
    return Agency(id=a.id, name=a.vi, name_en=a.en, type=a.type, known=a.known, renamed_to=a.renamed_to,
                  kind_of=a.kind_of)


_LISTED = re.compile(r"[a-z]+(?: [a-z]+)?\s*:\s*")   # "các Sở: ", after a title
_OVERSIGHT = re.compile(r"giam sat|phan bien|kiem tra")
_OF = re.compile(r"\bcua\s+")
_SENT_TO = re.compile(r"\b(?:gui|ve)\s+$")


class DutyReader:
    """Reads the duties of one document, paragraph by paragraph."""

    def __init__(self, page: Page, state: DocState):
        self.page, self.state = page, state
        self.f = page.folded
        self._heading_agencies: dict[int, list[Mention] | None] = {}
        self._subjects: list[Mention] | None = None   # the bodies the document says it is about, once looked for
        self._bare: set[int] = set()   # headings that say nothing but their bodies ("Sở X có trách nhiệm:")
        self.last_subject: list[Mention] | None = None   # the subject of the sentence just read
        self.named_subject = False    # whether the sentence just read names a subject of its own (read or not)

    # -- subjects -------------------------------------------------------------------
    def subject_at(self, pos: int, end: int, mentions: list[Mention]) -> tuple[list[Mention], int] | None:
        """Bodies listed as the subject starting at pos, and where the predicate starts."""
        f, g = self.f, _grammar()
        pos = _skip_ws(f, pos, end)

        def body_at(at: int) -> bool:   # a body, or a title or requester before one, right at `at`
            at = _skip_ws(f, at, end)
            return bool(g["title"].match(f, at, end) or g["prefix"].match(f, at, end)
                        or any(x.start == at for x in mentions))

        for _ in range(3):   # "Theo Kế hoạch, trước ngày 18/4/2025, Bộ Nội vụ chủ trì ..."
            if mentions and g["condition"].match(f, pos, end):
                # "nếu phát sinh khó khăn, vướng mắc, Sở Nội vụ ...": the condition runs to the comma before a body
                comma = next((c for c in _commas(f, pos, min(end, pos + 200)) if body_at(c + 1)), None)
                if comma is None:
                    break
                pos = _skip_ws(f, comma + 1, end)
                continue
            # (a phrase too long for `phrase_lead_in`, or one with a bracket, is found by its first word: see below)
            m = g["lead_in"].match(f, pos, end) or g["phrase_lead_in"].match(f, pos, end) \
                or g["phrase_lead_in_word"].match(f, pos, end)
            if not m or not mentions or _title_of(f, m.start(), f.rfind(",", m.start(), m.end())):
                break
            if not (body_at(m.end()) or g["condition"].match(f, _skip_ws(f, m.end(), end), end)):
                # "Trên cơ sở các Nghị định về phân cấp, phân quyền, các Bộ ...", "Đối với 355 nhiệm vụ (danh
                # mục theo Báo cáo số ... của Bộ Nội vụ), các Bộ ...": the phrase runs to the comma before a body
                # (not one inside brackets)
                comma = next((c for c in _commas(f, m.start(), min(end, pos + 250))
                              if body_at(c + 1) and f.count("(", pos, c) == f.count(")", pos, c)
                              and not _title_of(f, m.start(), c)), None)
                if comma is None:
                    break
                pos = _skip_ws(f, comma + 1, end)
                continue
            pos = m.end()
        m = g["prefix"].match(f, pos, end)
        if m and not _title_of(f, pos, f.rfind(",", pos, m.end())):
            pos = m.end()
        found: list[Mention] = []
        while pos < end:
            t = g["title"].match(f, pos, end)
            reach = t.end() if t else pos
            listed = _LISTED.match(f[reach:end])   # "Giám đốc các Sở: Tư pháp, ..."
            if t and listed:
                reach += listed.end()
            hit = next((mm for mm in mentions if pos <= mm.start <= reach), None)
            if hit is None and t and found:
                # a title over a body the gazetteer lacks ("Giám đốc các sở"): skip that part of the list
                comma = min([i for i in (f.find(",", t.end(), end), f.find(";", t.end(), end)) if i > 0] or [-1])
                if comma > 0 and comma - t.end() < 40:
                    pos = _skip_ws(f, comma + 1, end)
                    continue
            if hit is None:
                if found:
                    fm = g["filler"].match(f, pos, end)
                    if fm and fm.end() > pos:
                        pos = fm.end()
                        sep = g["separator"].match(f, pos, end)
                        if sep and sep.end() > pos:
                            pos = sep.end()
                            continue
                break
            found.append(hit)
            pos = hit.end
            ps = _province_suffix().match(f, pos, end)
            if ps:
                pos = ps.end()
            sep = g["separator"].match(f, pos, end)
            if sep and sep.end() > pos and f[pos:sep.end()].strip() in (",", "va", "cung", ", va", ";", "; va"):
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
        start = node.body_start
        # "Điều 12. Trách nhiệm của Sở Khoa học và Công nghệ", "NHIỆM VỤ CỦA CÁC SỞ, BAN, NGÀNH": the bodies named
        # after the words are those whose duties follow, whatever scope the heading adds after them
        duty_heading = _grammar()["duty_heading"].match(self.f, _skip_ws(self.f, start, node.end), node.end) \
            if node.is_heading and not node.is_intro else None
        if duty_heading:
            start = duty_heading.end()
        # "BỘ NỘI VỤ" over a page is its issuer; "## Bộ Công an", a markdown section with no number that only
        # names a body, is an article's topic (its items are what is said about it, not duties)
        topic = (node.kind == "caps" or (node.kind == "para" and node.atx)) and not node.is_intro and not duty_heading
        if (node.is_heading or node.is_intro) and not topic:
            body_end = node.end
            colon = self.page.view.find(":", start, node.end)
            if colon > 0 and node.is_heading and not node.is_intro:
                body_end = colon
            mentions = self.page.mentions(start, body_end)
            if mentions:
                sub = self.subject_at(start, body_end, mentions)
                if sub:
                    agencies, pred = sub
                    rest = self.f[pred:body_end].strip(" :.*")
                    rest = _grammar()["heading_tail"].sub("", rest).strip(" :")
                    rest = _grammar()["announces"].sub("", rest).strip(" :")   # "theo Điều 23 Luật ... như sau"
                    if not rest:
                        self._bare.add(key)
                    if not rest or duty_heading or (node.is_intro and starts_with_verb(self.f, pred, body_end) \
                            and not is_non_duty(self.f, pred, body_end)):
                        result = agencies
        self._heading_agencies[key] = result
        return result

    def context_agencies(self, node: Node) -> tuple[list[Mention], str | None] | None:
        """The bodies the nearest heading over the node names, and the role an intro gives its items
        ("Giao Sở X chủ trì, phối hợp ... có trách nhiệm:" → each item is led by Sở X); under a heading
        that is only "NHIỆM VỤ, QUYỀN HẠN", the body the document says what it is ("X là cơ quan ...")."""
        for anc in node.ancestors():
            if anc.kind in ("root",):
                return None
            found = self.agencies_of_heading(anc)
            if found:
                return found, self._intro_role(anc)
            if anc.is_heading and _grammar()["duty_section"].fullmatch(heading_text(anc)):
                subject = self._document_body(anc.start)
                return ([subject], None) if subject else None
        return None

    def _document_body(self, before: int) -> Mention | None:
        """The body a function-list section is about: the last one named before it as what the document
        defines ("X là cơ quan ...") or whose duties it lays down ("... nhiệm vụ và quyền hạn của X như
        sau:"), else the first one named so anywhere."""
        if self._subjects is None:
            g, found = _grammar(), []
            for m in g["body_definition"].finditer(self.f):
                near = [x for x in self.page.mentions(max(0, m.start() - 160), m.start() + 1)
                        if m.start() - 2 <= x.end <= m.start() + 1]
                if near:
                    found.append(near[-1])
            for m in g["duty_heading"].finditer(self.f):
                near = [x for x in self.page.mentions(m.end(), min(len(self.f), m.end() + 160)) if x.start == m.end()]
                if near:
                    found.append(near[0])
            self._subjects = sorted(found, key=lambda x: x.start)
        if not self._subjects:
            return None
        return next((x for x in reversed(self._subjects) if x.start < before), self._subjects[0])

    def _intro_role(self, node: Node) -> str | None:
        if not node.is_intro:
            return None
        mentions = self.page.mentions(node.body_start, node.end)
        sub = self.subject_at(node.body_start, node.end, mentions)
        if sub is None:
            return None
        head = self.f[sub[1]:node.end]
        return "lead" if re.match(r"(?:la co quan thuong truc,?\s*)?chu tri\b", head) else None

    # -- duties ---------------------------------------------------------------------
    def read(self, node: Node, ctx: NodeContext) -> list[Duty]:
        if ctx.section in NO_DUTY_SECTIONS or node.kind in ("root", "implicit", "caps", "row"):
            return []
        start, end = node.body_start, node.end
        if end <= start:
            return []
        context = self.context_agencies(node)
        inherited, inherited_role = context if context else (None, None)
        own_heading = self.agencies_of_heading(node)
        duties: list[Duty] = []
        labelled = self._labelled(node, start, end)
        if labelled:
            return labelled
        if own_heading and node.is_intro and node.children and (self._intro_role(node) == "lead" or id(node) in self._bare):
            return []   # "Giao Sở X chủ trì ... có trách nhiệm:", "Sở X thực hiện các công việc sau:": the items are the duties
        carrying = node.kind == "para" and not inherited and not own_heading and ctx.section not in ("targets",)
        if not carrying:
            self.state.carried_subject = None
        # a list item or a paragraph that opens in bold may name its body before a colon ("- Sở Tài chính: ...")
        item = node.kind != "para" or "**" in self.page.text[start:min(end, start + 160)]
        for i, (ss, se) in enumerate(self.page.sentences(start, end)):
            mentions = self.page.mentions(ss, se)
            self.last_subject, self.named_subject = None, False
            own, objects = self.sentence(ss, se, mentions, item) if mentions else ([], [])
            if own_heading and not node.is_intro and i == 0 and not own:
                duties.extend(objects)
                continue
            if not own and inherited and (i == 0 or node.kind == "para"):
                own = self._inherited(ss, se, inherited, whole=(start, end) if node.kind != "para" else (ss, se),
                                      role=inherited_role)
            elif carrying and own and self.last_subject:
                self.state.carried_subject = self.last_subject
            elif carrying and not own and self.state.carried_subject:
                # "Căn cứ ..., Ủy ban nhân dân cấp tỉnh quyết định ...": a sentence with a subject of its own does
                # not continue the body of the sentences before, even when its verb is not read as a duty's
                own = [] if self.named_subject else self._carried(ss, se, self.state.carried_subject)
                if not own:
                    self.state.carried_subject = None
            duties.extend(own)
            duties.extend(objects)
        return duties

    def _carried(self, ss: int, se: int, subject: list[Mention]) -> list[Duty]:
        """A sentence with no subject that opens with a duty verb continues the body of the sentences before
        ("Văn phòng UBND tỉnh sẽ ... . Nghiên cứu, hướng dẫn ...", "Đồng thời, phối hợp với ...")."""
        f = self.f
        parts = split_at(self.page.view, ss, se, ";")
        if not parts:
            return []
        first = parts[0]
        pos = _skip_ws(f, ss, first[1])
        lead = _continuation().match(f, pos, first[1])
        if lead:
            pos = lead.end()
            while pos < first[1] and f[pos] in " ,":
                pos += 1
        if not starts_with_verb(f, pos, first[1]) or is_non_duty(f, pos, first[1]):
            return []
        out: list[Duty] = []
        for cs, ce in split_at(self.page.view, ss, se, ";"):
            at = pos if cs <= pos < ce else cs
            if not starts_with_verb(f, at, ce) or is_non_duty(f, at, ce):
                continue
            out.extend(self.make(subject, role_of(f, at, ce), cs, ce, at, ce))
        return out

    def _labelled(self, node: Node, start: int, end: int) -> list[Duty]:
        """'Cơ quan chủ trì: Sở Tư pháp; Cơ quan phối hợp: ...' under (or inside) a task item."""
        f, g = self.f, _grammar()
        out: list[Duty] = []
        if f.find(":", start, end) < 0:
            return out   # a label ends with a colon
        for m in g["label"].finditer(f, start, end):
            role = "lead" if "chu tri" in f[m.start():m.end()] else "coordinate"
            stop = min([i for i in (f.find("\n", m.end(), end),) if i >= 0] or [end])
            nxt = g["label"].search(f, m.end(), stop) or g["other_label"].search(f, m.end(), stop)
            stop = nxt.start() if nxt else stop
            mentions = self.page.mentions(m.end(), stop)
            if not mentions:
                continue
            before = self.page.view[start:m.start()].strip(" -+*;:,.\n")
            if len(before) > 15:
                ts, te = start, m.start()
            elif node.parent is not None and node.parent.kind not in ("root", "implicit"):
                ts, te = node.parent.body_start, node.parent.end
            else:
                ts, te = m.start(), stop
            out.extend(self.make(mentions, role, m.start(), stop, ts, te))
        if out:
            # the item's deadline label, in the item or beside the labels under it ("- Thời gian thực hiện: Quý II")
            parent = node.parent
            inline = len(self.page.view[start:end].split(":")[0].strip(" -+*")) > 15
            item = parent if parent is not None and parent.kind not in ("root", "implicit") and not inline else node
            lo, hi = item.start, max(n.end for n in item.walk())
            when = re.search(r"(?:thoi gian|thoi han|tien do)[^:;\n]{0,25}:\s*([^;\n]{2,80})", f[lo:hi])
            deadline = deadline_of(self.page.text[lo + when.start(1):lo + when.end(1)], stated=True) \
                if when else None
            if deadline is not None:
                for d in out:
                    self.state.deadlines[d.id] = deadline
        return out

    def sentence(self, ss: int, se: int, mentions: list[Mention], item: bool = False) -> tuple[list[Duty], list[Duty]]:
        """Duties of the sentence's own subjects, and of bodies named as objects.  `item`: the sentence opens a
        list item or a bold label, which may name its body before a colon."""
        f = self.f
        out: list[Duty] = []
        objects: list[Duty] = []
        subject: list[Mention] | None = None
        prev_role: str | None = None
        q_start = ss
        past: bool | None = None   # whether the sentence tells of the past, read when a clause asks
        self.named_subject = False
        for cs, ce in self._clauses(ss, se, mentions):
            cm = [m for m in mentions if cs <= m.start < ce]
            sub = self.subject_at(cs, ce, cm) if cm else None
            self.named_subject = self.named_subject or bool(sub and sub[1] < ce)
            if sub and f.startswith(":", sub[1]) and item:
                # "- Sở Tài chính: thẩm định kinh phí ...", "(*) Giao Sở Xây dựng: Chỉ đạo ...", not a plain line such
                # as a news title ("Văn phòng UBND tỉnh: Cải cách thủ tục hành chính ...")
                sub = sub[0], _skip_ws(f, sub[1] + 1, ce)
            pred = None
            if sub and starts_with_verb(f, sub[1], ce) and not is_non_duty(f, sub[1], ce):
                subject, pred = sub
                q_start = cs
            elif not sub and subject and starts_with_verb(f, cs, ce) and not is_non_duty(f, cs, ce):
                pred, q_start = cs, cs
            elif (asked := self._asked(cs, ce, cm)) is not None:
                # "Phó Thủ tướng yêu cầu Bộ Tài chính đôn đốc ...": the body after the requester is tasked
                subject, pred = asked
                q_start = cs
            else:
                subject = None
                # A subject after a comma, once a requester or a deadline has been named:
                # "Tỉnh ủy đặt ra mục tiêu đến hết năm 2022, ngành X triển khai ..."
                for m in cm:
                    opener = _grammar()["opener"].search(f, max(cs, m.start - 40), m.start)
                    after_comma = f[m.start - 2:m.start] == ", " or (opener and f[opener.start() - 2:opener.start()]
                                                                      == ", ")
                    if m.start > cs and after_comma and _grammar()["comma_subject"].search(f[cs:m.start]) \
                            and not _title_of(f, cs, f.rfind(",", cs, m.start)):
                        sub2 = self.subject_at(m.start, ce, [x for x in cm if x.start >= m.start])
                        if sub2 and starts_with_verb(f, sub2[1], ce) and not is_non_duty(f, sub2[1], ce):
                            subject, pred = sub2
                            q_start = m.start
                            break
            if past is None:
                past = bool(_grammar()["past"].search(f, ss, se))
            if not past:   # "X đã phối hợp với Y ...": a past result, no duty
                objects.extend(self._objects(cs, ce, cm, exclude=subject if pred is not None else None))
            if subject and pred is not None:
                self.last_subject = subject
                role = role_of(f, pred, ce)
                if q_start == cs and sub is None and role == prev_role:
                    continue  # a further clause of the same duty ("...; tổng hợp, báo cáo ...")
                prev_role = role
                out.extend(self.make(subject, role, q_start, ce, pred, ce))
                out.extend(self._chained(subject, pred, ce, cm, q_start))
        return out, objects

    def _clauses(self, ss: int, se: int, mentions: list[Mention]) -> list[tuple[int, int]]:
        """The sentence's ";"-clauses, a clause that only lists bodies joined to the next one
        ("Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: ...; Chủ tịch UBND cấp xã chịu trách nhiệm ...")."""
        parts = split_at(self.page.view, ss, se, ";")
        out: list[tuple[int, int]] = []
        open_start: int | None = None
        for cs, ce in parts:
            start = cs if open_start is None else open_start
            cm = [m for m in mentions if cs <= m.start < ce]
            sub = self.subject_at(cs, ce, cm)
            if sub and sub[1] >= ce and (cs, ce) != parts[-1]:
                open_start = start
                continue
            if out and self._only_deadline(start, ce):   # "...; hoàn thành trước ngày 15/12/2025": the task's own
                out[-1] = (out[-1][0], ce)
            else:
                out.append((start, ce))
            open_start = None
        return out

    def _only_deadline(self, cs: int, ce: int) -> bool:
        """A clause that only says when ("hoàn thành trước ngày 15/12/2025", "trong Quý II/2025")."""
        words = self.f[cs:ce].strip(" ,.;")
        return (bool(_deadline_clause().match(words)) and len(words) <= 60
                and deadline_of(self.page.text[cs:ce]) is not None)

    def _asked(self, cs: int, ce: int, cm: list[Mention]) -> tuple[list[Mention], int] | None:
        """Bodies named right after a requester inside the clause ("... yêu cầu X làm ...", "giao X ...")."""
        f = self.f
        for r in self.page.ann.within("requester", cs, ce):
            at = _skip_ws(f, r.end, ce)
            if not any(m.start == at for m in cm):
                continue
            sub = self.subject_at(at, ce, [m for m in cm if m.start >= at])
            if sub and starts_with_verb(f, sub[1], ce) and not is_non_duty(f, sub[1], ce):
                return sub
        return None

    def _inherited(self, ss: int, se: int, agencies: list[Mention], whole: tuple[int, int],
                   role: str | None = None) -> list[Duty]:
        f = self.f
        parts = split_at(self.page.view, ss, se, ";")
        if not parts:
            return []
        first = parts[0]
        if is_non_duty(f, first[0], first[1]) or not re.match(r"\s*[^\W\d_]", f[first[0]:first[0] + 3]) \
                or len(_WORDS.findall(f, first[0], first[1])) < 2 or _grammar()["topic"].match(f, first[0], first[1]):
            return []   # (a lone word under a heading, "Điều", is no duty, nor a topic: "Về địa giới hành chính:")
        own = _grammar()["own_subject"].match(f, ss, first[1])
        if own and not {m.agency.id for m in self.page.mentions(ss, own.end())} & {m.agency.id for m in agencies}:
            return []   # it names a body of its own, not the heading's
        own_role = role_of(f, ss, first[1])
        role = role if role and own_role == "implement" else own_role
        q_end = first[1] if first[1] - ss > 30 else se
        return self.make(agencies, role, ss, q_end, ss, whole[1])

    def _chained(self, subject, pred, ce, cm, q_start) -> list[Duty]:
        """'X lãnh đạo/chỉ đạo Y triển khai ...': Y has a duty too."""
        f = self.f
        found = verb_cluster(f, pred, ce)
        if not found or found[-1] not in ("lanh dao", "chi dao"):
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
        return self.make(sub[0], role, sub[0][0].start, ce, sub[1], ce)

    def _objects(self, cs, ce, cm, exclude) -> list[Duty]:
        f, g = self.f, _grammar()
        out: list[Duty] = []
        skip = {m.agency.id for m in exclude} if exclude else set()
        for m in g["coord_object"].finditer(f, cs, ce):
            at = m.end()
            sub = self.subject_at(at, ce, [x for x in cm if x.start >= at])
            if sub:
                bodies = [x for x in sub[0] if x.agency.type != "Generic" and x.agency.id not in skip
                          and not (self.state.provincial and (x.agency.national or x.agency.type == "Ministry"))]
                out.extend(self.make(bodies, "coordinate", cs, ce, at, ce))
        for m in g["monitor_role"].finditer(f, cs, ce):
            window_end = min(ce, m.end() + 200)
            if not _OVERSIGHT.search(f[cs:window_end]):
                continue
            of = _OF.search(f[m.end():window_end])
            if not of:
                continue
            at = m.end() + of.end()
            sub = self.subject_at(at, window_end, [x for x in cm if x.start >= at])
            if sub:
                bodies = [x for x in sub[0] if x.agency.id not in skip]
                out.extend(self.make(bodies, "monitor", cs, ce, cs, ce))
        for hit in cm:
            # "gửi Sở Tài chính để tổng hợp", "báo cáo kết quả về Sở Nội vụ để tổng hợp"
            if _SENT_TO.search(f[max(cs, hit.start - 8):hit.start]) \
                    and g["to_summarise"].match(f, hit.end, ce) and hit.agency.id not in skip:
                out.extend(self.make([hit], "monitor", cs, ce, hit.end, ce))
        return out

    def make(self, agencies: list[Mention], role: str, qs: int, qe: int, ts: int, te: int) -> list[Duty]:
        span = self.page.span(qs, qe)
        if span.end - span.start > 400:
            cut = self.page.view.rfind(",", span.start, span.start + 400)
            span = self.page.span(span.start, cut if cut > span.start + 60 else span.start + 400)
        task = self.page.clean(ts, te)
        area = keyword_area(task)
        out, seen = [], set()
        for m in agencies:
            if m.agency.id in seen:
                continue
            seen.add(m.agency.id)
            out.append(Duty(id=self.state.duty_id(), agency=to_agency(m), role=role, area=area, task=task,
                            span=span, mention=self.page.span(m.start, m.end), task_span=self.page.span(ts, te)))
        return out


_WORDS = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _continuation() -> re.Pattern[str]:
    return re.compile(lexicon().alternation("continuation") + r"\b")


@lru_cache(maxsize=1)
def _province_suffix() -> re.Pattern[str]:
    from ..annotate import provinces
    from ..text import fold

    names = "|".join(re.escape(fold(n)) for n in provinces())
    return re.compile(rf"\s+(?:(?:tinh|thanh pho|tp\.?)(?:\s+(?:{names})\b|(?=\s*[,;:]|\s+(?:va|cung)\b|\s+[a-z]))"
                      rf"|(?:{names})\b)")


_OWNER_TITLE = re.compile(r"\bcua\s+([^,;()]{1,40})$")


def _title_of(f: str, start: int, comma: int) -> bool:
    """Whether the comma goes on a list of office-holders a document is 'of': 'Thông tư số 02/2017/TT-VPCP
    của Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ hướng dẫn ...' cites the minister-and-chairman who issued
    it, and the body after the comma is not a subject."""
    m = _OWNER_TITLE.search(f, start, comma)
    return m is not None and _grammar()["title"].fullmatch(m.group(1).rstrip() + " ") is not None


def _commas(f: str, start: int, end: int) -> Iterator[int]:
    """The commas of one clause from `start` (up to a semicolon, a full stop or a line's end)."""
    stop = min([i for i in (f.find(";", start, end), f.find(". ", start, end), f.find("\n", start, end)) if i >= 0]
               or [end])
    at = f.find(",", start, stop)
    while at >= 0:
        yield at
        at = f.find(",", at + 1, stop)


def _skip_ws(f: str, pos: int, end: int) -> int:
    while pos < end and f[pos] in " \t\n\r*-+•":
        pos += 1
    return pos
