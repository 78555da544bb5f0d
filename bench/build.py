#!/usr/bin/env python3
"""How fast `kg build` is, against its floor, and how a rebuild after one change costs.

    python bench/build.py ../shared/wild
    python bench/build.py data/corpus --workers 1
    python bench/build.py ../shared/wild --national [--national-dir DIR] [--repeat 3]

Prints, for the corpus given: its size; the floor (reading the files' bytes, decoding and NFC,
and bulk-loading the N-Quads the build produced into a fresh pyoxigraph store); a full build
(fresh processes, all cores unless --workers) in documents/s and MB/s and as a multiple of the
floor, with its peak memory (the build process and its workers, sampled from /proc); a rebuild
with nothing changed; and a rebuild after one document changed.

With --national, the same side by side for the synthetic national corpus (bench/national_corpus.py,
34 provinces x 100 documents, generated into a temporary folder unless --national-dir names one
already generated), then the peak memory of a full build of its first 12, 30, 59 and 100 documents
of each province (408, 1,020, 2,006 and 3,400 documents), and the rebuild after one changed
document of the 3,400 as a median of --repeat runs (mark: under 3 s; memory mark: within ±20 %
of the smallest from 408 to 3,400 documents).  Timings are medians of --repeat runs (the machine
is shared); peak memory does not depend on the load.  The time a build spends computing the
statuses (kg.status.record_statuses), and its peak memory before that, are shown apart.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from kg.pipeline import corpus_files  # noqa: E402
from test_endpoint_abuse import tree_rss  # noqa: E402 - the suite's process-tree memory probe

SIZES = (12, 30, 59, 100)   # documents per province: 408, 1,020, 2,006 and 3,400


@dataclass
class Run:
    seconds: float
    peak: float             # MB, the build process and its workers
    peak_before: float      # MB, the same before the statuses are computed
    statuses: float         # seconds computing the statuses


class _Sampler(threading.Thread):
    """The resident size of a process tree every 20 ms, with the time."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [(time.time(), tree_rss(pid))], False

    def run(self) -> None:
        while not self.stop:
            self.samples.append((time.time(), tree_rss(self.pid)))
            time.sleep(0.02)


def _run_build(corpus: Path, out: Path, workers: int | None) -> Run:
    """A build in a fresh process: its time, peak memory (all of it, and before the statuses) and
    the time it spent computing the statuses (kg.status.record_statuses)."""
    timing = out.with_name(out.name + ".status-timing")
    code = ("import json, time; import kg.pipeline as P; real = P.record_statuses; spent = [0.0, 0.0]\n"
            "def timed(*a, **k):\n"
            "    spent[1] = spent[1] or time.time(); chunks = real(*a, **k)\n"
            "    while True:\n"
            "        t = time.perf_counter(); chunk = next(chunks, None); spent[0] += time.perf_counter() - t\n"
            "        if chunk is None: return\n"
            "        yield chunk\n"
            "P.record_statuses = timed\n"
            f"P.build([{str(corpus)!r}], {str(out)!r}, skip_invalid=True, keep_documents=False, workers={workers!r})\n"
            f"open({str(timing)!r}, 'w').write(json.dumps(spent))\n")
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    sampler = _Sampler(proc.pid)
    sampler.start()
    if proc.wait():
        raise SystemExit(f"build of {corpus} failed")
    took = time.perf_counter() - t
    sampler.stop = True
    sampler.join()
    statuses, started = json.loads(timing.read_text())
    timing.unlink()
    before = [rss for at, rss in sampler.samples if not started or at < started] or [0]
    return Run(took, max(rss for _, rss in sampler.samples) / 2**20, max(before) / 2**20, statuses)


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


@dataclass
class Result:
    name: str
    files: int
    mb: float
    floor: list[float] = field(default_factory=list)
    full: list[float] = field(default_factory=list)
    peak: float = 0.0
    peak_before: float = 0.0   # before the statuses are computed
    same: list[float] = field(default_factory=list)
    changed: list[float] = field(default_factory=list)
    changed_statuses: list[float] = field(default_factory=list)   # of `changed`, recording the statuses


def _change(files: list[Path], n: int) -> None:
    """Change one document (a different one, and differently, each time)."""
    one = files[(len(files) // 2 + n * 7) % len(files)]
    one.write_text(one.read_text(encoding="utf-8", errors="replace") + f"\nGhi chú {n}.\n", encoding="utf-8")


def measure(name: str, corpus: Path, work: Path, workers: int | None, repeat: int, full_repeat: int) -> Result:
    files = list(corpus_files([corpus]))
    r = Result(name, len(files), sum(f.stat().st_size for f in files) / 1e6)
    for i in range(full_repeat):
        out = work / f"store-{i}"
        run = _run_build(corpus, out, workers)
        r.full.append(run.seconds)
        r.peak, r.peak_before = max(r.peak, run.peak), max(r.peak_before, run.peak_before)
        r.floor.append(_floor(files, out))
        if i:
            shutil.rmtree(out)
            shutil.rmtree(out.with_name(out.name + ".cache"), ignore_errors=True)
    out = work / "store-0"
    for n in range(repeat):
        r.same.append(_run_build(corpus, out, workers).seconds)
        _change(files, n)
        run = _run_build(corpus, out, workers)
        r.changed.append(run.seconds)
        r.changed_statuses.append(run.statuses)
    return r


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def _runs(xs: list[float]) -> str:
    return "" if len(xs) < 2 else " (runs " + ", ".join(f"{x:.2f}" for x in xs) + ")"


def report(r: Result) -> None:
    full, floor = _med(r.full), _med(r.floor)
    print(f"{r.name}: {r.files} files, {r.mb:.1f} MB")
    print(f"  floor (read + NFC + bulk load): {floor:.2f} s")
    print(f"  full build: {full:.2f} s = {r.files / full:.1f} documents/s, {r.mb / full:.2f} MB/s, "
          f"{full / floor:.1f}x the floor; peak {r.peak:.0f} MB ({r.peak_before:.0f} MB before the statuses)"
          f"{_runs(r.full)}")
    print(f"  rebuild, nothing changed: {_med(r.same):.2f} s{_runs(r.same)}; "
          f"after one document changed: {_med(r.changed):.2f} s{_runs(r.changed)}, "
          f"of which recording the statuses {_med(r.changed_statuses):.2f} s")


def prefix_corpus(national: Path, per_province: int, out: Path) -> Path:
    """The first `per_province` documents of each province of a generated national corpus."""
    for folder in sorted(p for p in national.iterdir() if p.is_dir()):
        (out / folder.name).mkdir(parents=True)
        for f in sorted(folder.iterdir())[:per_province]:
            shutil.copy2(f, out / folder.name / f.name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--national", action="store_true", help="also the synthetic national corpus, side by side")
    ap.add_argument("--national-dir", type=Path, default=None, help="a national corpus already generated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each rebuild (medians are printed)")
    ap.add_argument("--full-repeat", type=int, default=1, help="runs of each full build")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        shutil.copytree(args.corpus, corpus)
        (work / "a").mkdir()
        results = [measure(args.corpus, corpus, work / "a", args.workers, args.repeat, args.full_repeat)]
        memory: list[tuple[int, float, float, float]] = []
        if args.national:
            national = work / "national"
            if args.national_dir:
                shutil.copytree(args.national_dir, national)
            else:
                from national_corpus import generate
                t = time.perf_counter()
                generate(national, 34, 100, args.seed)
                print(f"national corpus generated in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            for k in SIZES[:-1]:
                sub = prefix_corpus(national, k, work / f"national-{k}")
                files = list(corpus_files([sub]))
                run = _run_build(sub, work / f"store-{k}", args.workers)
                memory.append((len(files), sum(f.stat().st_size for f in files) / 1e6, run.peak, run.peak_before))
                shutil.rmtree(sub)
                shutil.rmtree(work / f"store-{k}")
                shutil.rmtree(work / f"store-{k}.cache", ignore_errors=True)
            (work / "b").mkdir()
            results.append(measure("national (34 provinces x 100)", national, work / "b", args.workers, args.repeat,
                                   args.full_repeat))
            memory.append((results[-1].files, results[-1].mb, results[-1].peak, results[-1].peak_before))
    for r in results:
        report(r)
    if memory:
        low, low_before = memory[0][2], memory[0][3]
        print("peak memory of the build process tree vs corpus size (national):")
        for n, mb, peak, before in memory:
            print(f"  {n:5d} documents ({mb:5.1f} MB): {peak:5.0f} MB ({(peak / low - 1) * 100:+.0f} %); "
                  f"before the statuses {before:5.0f} MB ({(before / low_before - 1) * 100:+.0f} %)")
        spread = (max(p for _, _, p, _ in memory) / low - 1) * 100
        spread_before = (max(p for _, _, _, p in memory) / low_before - 1) * 100
        print(f"  largest {spread:+.0f} % of the {memory[0][0]}-document build (mark: within ±20 %): "
              f"{'met' if abs(spread) <= 20 else 'NOT met'}; before the statuses {spread_before:+.0f} %")
        one, statuses = _med(results[-1].changed), _med(results[-1].changed_statuses)
        print(f"incremental rebuild after one changed document of {results[-1].files}: {one:.2f} s "
              f"(mark: < 3 s): {'met' if one < 3 else 'NOT met'}; without recording the statuses "
              f"{one - statuses:.2f} s")


if __name__ == "__main__":
    main()
