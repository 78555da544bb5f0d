"""How many targets are linked to a catalogue indicator, and how many of the links a person checked are right.

    python bench/indicator_links.py DIR_OR_FILE ... [--checked bench/indicator_links_checked.tsv] [--list]

Prints, per corpus argument, the share of targets linked (by rule) and, for the links whose
verdict is recorded in the checked file (one line per link: document stem, indicator id, the
first 60 characters of the target's quote, ok|wrong, a note), the hand-checked precision.
`--list` prints every link, checked or not, in the checked file's format, to review new ones.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.extract import extract_document
from kg.ingest import SUPPORTED_SUFFIXES, read_source

HERE = Path(__file__).resolve().parent


def _key(doc: str, indicator: str, quote: str) -> tuple[str, str, str]:
    return doc, indicator, " ".join(quote.split())[:60]


def _checked(path: Path) -> dict[tuple[str, str, str], str]:
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                doc, ind, quote, verdict, *_ = line.split("\t")
                out[(doc, ind, quote)] = verdict
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--checked", default=str(HERE / "indicator_links_checked.tsv"))
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    checked = _checked(Path(args.checked))
    for arg in args.paths:
        root = Path(arg)
        files = [root]
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES)
        targets = linked = 0
        rules: Counter[str] = Counter()
        verdicts: Counter[str] = Counter()
        for path in files:
            doc = extract_document(read_source(path), path.stem)
            quotes = {t.id: t.span.quote for t in doc.targets}
            targets += len(doc.targets)
            for m in (m for m in doc.measures if m.target_id in quotes):   # targets' links (not results')
                linked += 1
                rules[m.rule] += 1
                key = _key(path.stem, m.indicator, quotes[m.target_id])
                verdicts[checked.get(key, "unchecked")] += 1
                if args.list:
                    print("\t".join((*key, checked.get(key, "?"), m.phrase)))
        ok, wrong = verdicts["ok"], verdicts["wrong"]
        share = linked / targets if targets else 0.0
        print(f"{arg}: {len(files)} documents, {targets} targets, {linked} linked ({share:.1%}); by rule: "
              + ", ".join(f"{r} {n}" for r, n in sorted(rules.items())))
        if ok + wrong:
            print(f"  hand-checked {ok + wrong} of {linked} links: {ok} right, {wrong} wrong, "
                  f"precision {ok / (ok + wrong):.3f}; {verdicts['unchecked']} not yet checked")


if __name__ == "__main__":
    main()
