#!/usr/bin/env python3
"""A synthetic national corpus made from real documents, for measuring `kg build` at scale.

    python bench/national_corpus.py --provinces 34 --per-province 100 --out DIR [--seed 1]

Writes DIR/<province>/<province>_<n>.md (or .txt): for each of the provinces in force after the
2025 reorganisation (kg/data/reorganisation.toml), `--per-province` documents.  Nothing is
invented and no text is kept in the repository: each document is a real one, read at generation
time from the bundled corpus (data/corpus) and the scraped documents (../shared/wild, or the
folders given with --sources), recombined and varied the way one province's documents differ from
another's:

* its paragraphs, with a few dropped and a few taken from another real document (paragraphs with
  a percentage or a body in charge: the targets and duties the readers look for) put in;
* the province it names most written as the new document's province (with "tỉnh"/"thành phố"
  as that province is a province or a centrally governed city, upper case kept);
* its years ("năm 2025", "18/11/2025"; not the years in instruments' numbers) moved by up to two
  years, its percentages by a few points, one provincial department it names replaced by another,
  its number ("Số: 2820/...") renumbered.

Every document differs from every other (bytes and NFC text; a copy is regenerated); the same
--seed gives the same corpus, and a province's n-th document depends only on the seed, the
province and n (unless it had to be regenerated as a copy), so the first k documents of each
province of a large corpus make a smaller one.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.annotate import provinces as province_names  # noqa: E402
from kg.graph import slug  # noqa: E402
from kg.lexicon import load_toml  # noqa: E402

DEFAULT_SOURCES = (ROOT / "data" / "corpus", ROOT.parent / "shared" / "wild")
CITIES = {"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh"}
_PARAGRAPH = re.compile(r"\n[ \t\u00a0]*\n")
_TARGETISH = re.compile(r"\d\s?%|chủ trì|chịu trách nhiệm|phấn đấu|đạt\s", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\w)(năm\s+|\d{1,2}/\d{1,2}/|tháng\s+\d{1,2}/)(20[12]\d)(?!\w)", re.IGNORECASE)
_PERCENT = re.compile(r"(?<![\d,.])(\d{1,2})(?:([,.])(\d{1,2}))?(?=\s?%)")
_NUMBER = re.compile(r"(Số:?\s*)(\d{1,5})(/)")


def national_provinces() -> list[str]:
    """The 34 provinces and centrally governed cities in force after the 2025 reorganisation."""
    return [c["into"] for c in load_toml("reorganisation.toml")["province_change"]]


@lru_cache(maxsize=1)
def departments() -> list[str]:
    return [a["vi"] for a in load_toml("agencies.toml")["agency"]
            if a["type"] == "Department" and a.get("level") != "national" and a["vi"].startswith("Sở ")]


def _loose(phrase: str) -> str:
    """A pattern for `phrase` whose words may be wrapped onto the next line, with either tone
    placement ("Hòa"/"Hoà")."""
    words = []
    for w in phrase.split():
        w = re.escape(w)
        for new, old in (("òa", "oà"), ("óa", "oá"), ("ỏa", "oả"), ("õa", "oã"), ("ọa", "oạ"), ("ùy", "uỳ"),
                         ("úy", "uý"), ("ủy", "uỷ"), ("ũy", "uỹ"), ("ụy", "uỵ")):
            w = w.replace(new, f"(?:{new}|{old})")
        words.append(w)
    return r"\s+".join(words)


@lru_cache(maxsize=1)
def _province_pattern() -> re.Pattern[str]:
    names = sorted({n for n in province_names() if n != "Thành phố Hồ Chí Minh"}, key=len, reverse=True)
    alts = "|".join(_loose(n) for n in names)
    return re.compile(rf"(?<!\w)(?:(tỉnh|thành\s+phố|tp\.?)\s+)?({alts})(?!\w)", re.IGNORECASE)


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).casefold() \
        .replace("oà", "òa").replace("oá", "óa").replace("uỷ", "ủy")


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    paragraphs: tuple[str, ...]
    donors: tuple[str, ...]   # its paragraphs that look like targets or duties


def read_sources(folders: list[Path]) -> list[Source]:
    out: list[Source] = []
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in (".txt", ".md") or not path.is_file() or path.name.startswith("."):
                continue
            text = unicodedata.normalize("NFC", path.read_bytes().decode("utf-8", "replace"))
            if text in seen or len(text) < 400:
                continue
            seen.add(text)
            paragraphs = tuple(p for p in _PARAGRAPH.split(text) if p.strip())
            donors = tuple(p for p in paragraphs if 40 < len(p) < 2000 and _TARGETISH.search(p))
            out.append(Source(path, text, paragraphs, donors))
    if not out:
        raise SystemExit(f"no source documents under {', '.join(map(str, folders))}")
    return out


def _main_province(text: str) -> str | None:
    counts: dict[str, int] = {}
    for m in _province_pattern().finditer(text):
        k = _key(m.group(2))
        counts[k] = counts.get(k, 0) + 1
    return max(counts, key=lambda k: (counts[k], k)) if counts else None


def _as_province(text: str, main: str | None, province: str) -> str:
    if main is None:
        return text
    city = province in CITIES
    name = "Hồ Chí Minh" if province == "Thành phố Hồ Chí Minh" else province

    def sub(m: re.Match[str]) -> str:
        if _key(m.group(2)) != main:
            return m.group(0)
        upper = m.group(2).isupper()
        prefix = m.group(1)
        if prefix:
            kind = ("TP." if prefix.lower().startswith("tp") else "thành phố") if city else "tỉnh"
            if prefix[:1].isupper():
                kind = kind.upper() if prefix.isupper() else kind[:1].upper() + kind[1:]
            return f"{kind} {name.upper() if upper else name}"
        if province == "Thành phố Hồ Chí Minh":
            return "THÀNH PHỐ HỒ CHÍ MINH" if upper else "Thành phố Hồ Chí Minh"
        return name.upper() if upper else name

    return _province_pattern().sub(sub, text)


def _vary_numbers(text: str, rng: random.Random) -> str:
    shift = rng.choice((-2, -1, 0, 0, 1, 1, 2))
    text = _YEAR.sub(lambda m: f"{m.group(1)}{min(2035, int(m.group(2)) + shift)}", text)
    delta = rng.choice((-4, -3, -2, -1, 1, 2, 3))

    def pct(m: re.Match[str]) -> str:
        v = min(99, max(1, int(m.group(1)) + delta))
        return f"{v}{m.group(2)}{m.group(3)}" if m.group(2) else str(v)

    text = _PERCENT.sub(pct, text)
    return _NUMBER.sub(lambda m: f"{m.group(1)}{rng.randint(1, 9999)}{m.group(3)}", text, count=1)


@lru_cache(maxsize=1)
def _department_pattern() -> re.Pattern[str]:
    alts = "|".join(f"({_loose(d)})" for d in departments())
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")


def _vary_agency(text: str, rng: random.Random) -> str:
    found = {m.lastindex for m in _department_pattern().finditer(text)}
    present = [d for i, d in enumerate(departments(), 1) if i in found]
    if not present:
        return text
    old = rng.choice(present)
    new = rng.choice([d for d in departments() if d not in present])
    return re.sub(rf"(?<!\w){_loose(old)}(?!\w)", new, text)


def document(sources: list[Source], province: str, n: int, seed: int, attempt: int = 0) -> tuple[Source, str]:
    """The n-th document of `province`: (the real document it grew from, its text)."""
    digest = hashlib.sha256(f"{seed}/{province}/{n}/{attempt}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    base = rng.choice(sources)
    paragraphs = list(base.paragraphs)
    head = min(len(paragraphs), max(3, len(paragraphs) // 5))   # the heading and opening stay
    for _ in range(rng.randint(0, min(2, max(0, len(paragraphs) - head - 1)))):
        del paragraphs[rng.randrange(head, len(paragraphs))]
    donor = rng.choice(sources)
    for _ in range(rng.randint(1, 3) if donor.donors else 0):
        paragraphs.insert(rng.randint(head, len(paragraphs)), rng.choice(donor.donors))
    text = "\n\n".join(paragraphs) + "\n"
    text = _as_province(text, _main_province(text), province)
    text = _vary_numbers(text, rng)
    return base, _vary_agency(text, rng)


def generate(out: Path, provinces: int = 34, per_province: int = 100, seed: int = 1,
             sources: list[Path] | None = None) -> list[Path]:
    """Write the corpus under `out` (one folder per province); returns the files written."""
    found = read_sources(sources or [p for p in DEFAULT_SOURCES if p.is_dir()])
    names = national_provinces()
    if not 1 <= provinces <= len(names):
        raise SystemExit(f"--provinces: 1 to {len(names)}")
    written: list[Path] = []
    seen: set[bytes] = set()
    for province in names[:provinces]:
        folder = out / slug(province)
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(per_province):
            attempt = 0
            while True:
                base, text = document(found, province, n, seed, attempt)
                key = hashlib.sha256(unicodedata.normalize("NFC", text).encode()).digest()
                if key not in seen:
                    break
                attempt += 1
            seen.add(key)
            path = folder / f"{slug(province).replace('-', '_')}_{n:03d}{base.path.suffix.lower()}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--provinces", type=int, default=34)
    ap.add_argument("--per-province", type=int, default=100)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sources", type=Path, nargs="+", default=None,
                    help="folders of real documents (default: data/corpus and ../shared/wild)")
    args = ap.parse_args()
    files = generate(args.out, args.provinces, args.per_province, args.seed, args.sources)
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"{len(files)} documents, {mb:.1f} MB, in {args.out}")


if __name__ == "__main__":
    main()
