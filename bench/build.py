#!/usr/bin/env python3
"""How fast `kg build` is, against its floor, and how a rebuild after one change costs.

    python bench/build.py ../shared/wild
    python bench/build.py data/corpus --workers 1

Prints, for the corpus given: its size; the floor (reading the files' bytes, decoding and NFC,
and bulk-loading the N-Quads the build produced into a fresh pyoxigraph store); a full build
(fresh processes, all cores unless --workers) in documents/s and MB/s and as a multiple of the
floor, with its peak memory (the build process and its workers); a rebuild with nothing changed;
and a rebuild after one document changed.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.pipeline import corpus_files  # noqa: E402


def _run_build(corpus: Path, out: Path, workers: int | None) -> tuple[float, float]:
    """(seconds, peak MB of the build and its workers) of `kg build` in a fresh process."""
    code = ("import sys; from kg.pipeline import build; "
            f"build([{str(corpus)!r}], {str(out)!r}, skip_invalid=True, keep_documents=False, "
            f"workers={workers!r})")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    took = time.perf_counter() - t
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return took, peak / 1024


def _floor(files: list[Path], store: Path) -> float:
    """Reading the files (bytes, decode, NFC) plus bulk-loading the build's N-Quads into a fresh store."""
    import pyoxigraph as ox
    t = time.perf_counter()
    for f in files:
        unicodedata.normalize("NFC", f.read_bytes().decode("utf-8", "replace"))
    reading = time.perf_counter() - t
    data = ox.Store.read_only(str(store / "oxigraph")).dump(format=ox.RdfFormat.N_QUADS)   # not timed
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = ox.Store(tmp)
        fresh.bulk_load(data, format=ox.RdfFormat.N_QUADS)
        fresh.flush()
    return reading + time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        files = list(corpus_files([corpus]))
        mb = sum(f.stat().st_size for f in files) / 1e6
        out = Path(tmp) / "store"
        full, peak = _run_build(corpus, out, args.workers)
        floor = _floor(files, out)
        same, _ = _run_build(corpus, out, args.workers)
        one = files[len(files) // 2]
        one.write_text(one.read_text(encoding="utf-8", errors="replace") + "\nGhi chú.\n", encoding="utf-8")
        changed, _ = _run_build(corpus, out, args.workers)
    print(f"corpus: {len(files)} files, {mb:.1f} MB")
    print(f"floor (read + NFC + bulk load): {floor:.2f} s")
    print(f"full build: {full:.2f} s = {len(files) / full:.1f} documents/s, {mb / full:.2f} MB/s, "
          f"{full / floor:.1f}x the floor; peak {peak:.0f} MB")
    print(f"rebuild, nothing changed: {same:.2f} s; after one document changed: {changed:.2f} s")


if __name__ == "__main__":
    main()
