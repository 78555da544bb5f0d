#!/usr/bin/env python3
"""How much of a corpus the readers read, and how fast: documents, failures, facts, coverage, speed.

    python bench/reading.py ../shared/wild
    python bench/reading.py data/corpus ../shared/eval/extra/docs --top 5

For the documents under the given paths it prints: how many were read and how many failed
(one line each, naming the file), the facts read, the clauses that carry a duty or target cue
and the share of them that yielded a fact (the rest is what `kg review` lists), and the time
spent reading (decode + NFC + reading view) and extracting, in documents and MB per second.
`--top N` lists the N documents with most unread cue clauses.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the checkout's kg, not an installed one

from kg.errors import KGError
from kg.extract import extract_document
from kg.ingest import read_source
from kg.pipeline import corpus_files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--top", type=int, default=0, help="list the documents with most unread cue clauses")
    args = ap.parse_args()
    files = corpus_files(args.paths)
    read_s = extract_s = 0.0
    size = 0
    docs, failed = [], []
    for f in files:
        t0 = time.perf_counter()
        try:
            source = read_source(f)
        except KGError as e:
            failed.append(str(e))
            continue
        t1 = time.perf_counter()
        try:
            doc = extract_document(source, f.stem)
        except Exception as e:  # noqa: BLE001 - a benchmark counts failures, it does not stop on them
            failed.append(f"{f}: {type(e).__name__}: {e}")
            continue
        t2 = time.perf_counter()
        read_s += t1 - t0
        extract_s += t2 - t1
        size += len(source.text.encode("utf-8"))
        docs.append(doc)
    cues = sum(d.cue_clauses for d in docs)
    unread = sum(len(d.review) for d in docs)
    mb = size / 1e6
    print(f"documents: {len(docs)} read, {len(failed)} failed ({mb:.1f} MB)")
    for line in failed:
        print(f"  failed: {line}")
    print(f"facts: {sum(len(d.targets) for d in docs)} targets, {sum(len(d.duties) for d in docs)} duties, "
          f"{sum(len(d.ownerships) for d in docs)} ownership links")
    if cues:
        print(f"cue clauses: {cues}, read {cues - unread} ({(cues - unread) / cues:.1%}), left for review {unread}")
    total = read_s + extract_s
    if total:
        print(f"time: read {read_s:.2f} s, extract {extract_s:.2f} s; {len(docs) / total:.1f} documents/s, "
              f"{mb / total:.2f} MB/s")
    if args.top:
        worst = sorted(docs, key=lambda d: -len(d.review))[:args.top]
        for d in worst:
            print(f"  {d.source}: {len(d.review)} of {d.cue_clauses} cue clauses unread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
