"""Abuse `kg build`: hostile corpora, each built in a fresh process over a good store.

    python bench/abuse_build.py [--wild ../shared/wild] [--bomb-gb 4] [--work DIR]

Probes: a zip bomb (honest headers, and headers that lie), broken .docx files (corrupt deflate data,
an encrypted entry, an unknown compression method, an old .doc renamed), a link to /etc/passwd, names
that are not UTF-8 or hold control characters, Unicode documents quoting Cyrillic, CJK and Arabic
(must build) beside real TCVN3/VNI text (must be refused), eight copies of one decision, the leftovers
of killed builds, an HTML page with an unclosed <nav>, and every document of the wild corpus.  Each
probe runs `kg build` (with and without --skip-invalid where it matters) into a copy of a store built
from data/corpus and prints: status (as expected or not), wall time, the peak memory of the build
process (getrusage of that child), whether the previous store was kept when the build failed, and
how many tracebacks it printed (must be 0).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_build_hardening import corrupt, patched  # noqa: E402 - the suite's broken .docx makers

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PLAN = ("KẾ HOẠCH cải cách hành chính năm 2025\n\nI. MỤC TIÊU\n\n1. Đến năm 2025, tối thiểu 80% thủ tục hành chính "
        "được cung cấp trực tuyến mức độ 3 và 4.\n\nII. NHIỆM VỤ\n\nSở Nội vụ chủ trì, phối hợp với Sở Tư pháp "
        "theo dõi, tổng hợp kết quả cải cách hành chính.\n")
TCVN3 = ("Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\nC¨n cø NghÞ ®Þnh sè 15/CP\n"
         "quyÕt ®Þnh cña Bé tr\u00adëng Bé Tµi chÝnh\nchÕ ®é kÕ to¸n doanh nghiÖp\n")
VNI = ("COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM\nÑoäc laäp - Töï do - Haïnh phuùc\nUÛY BAN NHAÂN DAÂN TÆNH\n"
       "Caên cöù Luaät Toå chöùc HÑND vaø UBND\nquyeát ñònh naøy coù hieäu löïc\n")
QUOTES = ("Bộ Phát triển kinh tế Liên bang Nga (Министерство экономического развития, «электронное правительство»)",
          "mô hình Trung Quốc (一网通办, 最多跑一次, 放管服改革) và Nhật Bản (デジタル庁, 行政手続き)",
          "đoàn Các Tiểu vương quốc Ả Rập Thống nhất (الحكومة الرقمية، الخدمات الحكومية الإلكترونية)")


def plan(place: str) -> str:
    return PLAN.replace("năm 2025\n", f"năm 2025 của {place}\n")


def docx(paragraphs: list[str]) -> bytearray:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    return bytearray(buf.getvalue())


def bomb(path: Path, size: int, zip64: bool = True) -> Path:
    """word/document.xml of `size` zero bytes (~1030:1 deflated), cached between runs."""
    if not path.exists():
        tmp = path.with_suffix(".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z, \
                z.open("word/document.xml", "w", force_zip64=zip64) as f:
            chunk = b"\0" * (16 << 20)
            for _ in range(size // len(chunk)):
                f.write(chunk)
        tmp.rename(path)
    return path


@dataclass
class Probe:
    name: str
    files: Callable[[Path], None]     # writes the corpus into the given folder
    expect: str                       # "build" or "refuse"
    skip_invalid: bool = True
    check: Callable[[str, Path], str | None] = lambda output, store: None   # a problem, or None
    corpus: Path | None = None        # an existing corpus instead of `files`
    extra: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    probe: Probe
    exit: int
    seconds: float
    peak_mb: float
    kept: str
    tracebacks: int
    problem: str | None
    first: str


def run_probe(p: Probe, work: Path, baseline: Path) -> Outcome:
    corpus = p.corpus or work / p.name / "corpus"
    if p.corpus is None:
        corpus.mkdir(parents=True)
        p.files(corpus)
    store = work / p.name / "store"
    store.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(baseline, store)
    before = (store / "cchc-kg.json").read_bytes()
    out, err = work / p.name / "stdout", work / p.name / "stderr"
    args = [sys.executable, "-m", "kg.cli", "build", str(corpus), "--out", str(store), *p.extra]
    if p.skip_invalid:
        args.append("--skip-invalid")
    t = time.perf_counter()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(args, stdout=o, stderr=e, stdin=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    output = out.read_bytes().decode("utf-8", "replace") + err.read_bytes().decode("utf-8", "replace")
    same = (store / "cchc-kg.json").is_file() and (store / "cchc-kg.json").read_bytes() == before
    leftovers = [x.name for x in store.parent.iterdir() if ".building-" in x.name or ".old-" in x.name]
    kept = ("yes" if same else "NO") if code else "replaced"
    if leftovers:
        kept += f" (left {', '.join(leftovers)})"
    problem = None
    if (code == 0) != (p.expect == "build"):
        problem = f"expected the build to {p.expect}, exit {code}"
    problem = problem or p.check(output, store)
    lines = [line for line in output.splitlines() if line.startswith(("Error:", "skipped:"))]
    return Outcome(p, code, seconds, usage.ru_maxrss / 1024, kept, output.count("Traceback"), problem,
                   lines[0] if lines else output.strip().splitlines()[0] if output.strip() else "")


def must_say(*phrases: str) -> Callable[[str, Path], str | None]:
    def check(output: str, store: Path) -> str | None:
        missing = [ph for ph in phrases if ph not in output]
        return f"output lacks {missing}" if missing else None
    return check


def probes(work: Path, bomb_bytes: int, wild: Path | None) -> list[Probe]:
    cache = work.parent / "abuse-cache"
    cache.mkdir(exist_ok=True)

    def with_plan(extra: Callable[[Path], None]) -> Callable[[Path], None]:
        def write(c: Path) -> None:
            (c / "plan.txt").write_text(plan("A"), encoding="utf-8")
            extra(c)
        return write

    big = bomb(cache / f"bomb-{bomb_bytes >> 20}mb.docx", bomb_bytes)
    liar = bomb(cache / "bomb-1024mb-32bit.docx", 1 << 30, zip64=False)
    sized = f"{big.stat().st_size / 1e6:.1f} MB → {bomb_bytes / (1 << 30):g} GB"

    def zip_bomb(c: Path) -> None:
        shutil.copy(big, c / "bomb.docx")

    def lying_bomb(c: Path) -> None:   # 1 GB inflated, the headers say 60 MB (so 60:1): read, counted, refused
        (c / "lying-bomb.docx").write_bytes(patched(bytearray(liar.read_bytes()), 22, 24, 60 << 20, "<I"))

    def broken_docx(c: Path) -> None:
        good = [plan("B")]
        (c / "corrupt.docx").write_bytes(corrupt(docx(["Sở Nội vụ chủ trì."] * 3000)))
        (c / "encrypted.docx").write_bytes(patched(docx(good), 6, 8, 0x1))
        (c / "deflate64.docx").write_bytes(patched(docx(good), 8, 10, 9))
        (c / "word97.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
        (c / "truncated.docx").write_bytes(bytes(docx(good)[:200]))

    def passwd_link(c: Path) -> None:
        (c / "passwd.txt").symlink_to("/etc/passwd")
        (c / "etc").symlink_to("/etc")

    def bad_names(c: Path) -> None:
        d = os.fsencode(c)
        for raw, content in ((b"quy\xe9t-\xf0\xe3nh.txt", plan("B").encode()), (b"tr\xecnh\x07.txt", b""),
                             (b"line\nbreak.md", plan("C").encode()), (b"\xff\xfe.html", b"<p>" + plan("D").encode())):
            with open(os.path.join(d, raw), "wb") as f:
                f.write(content)

    def scripts(c: Path) -> None:
        for i, quote in enumerate(QUOTES):
            (c / f"quote-{i}.txt").write_text(PLAN + ("\n\n" + quote) * 8, encoding="utf-8")
            (c / f"quote-{i}-nfd.md").write_text(unicodedata.normalize("NFD", PLAN + ("\n\n" + quote) * 8 + "\n."),
                                                 encoding="utf-8")
        (c / "tcvn3.txt").write_bytes(TCVN3.encode("cp1252"))
        (c / "vni.txt").write_bytes(VNI.encode("cp1252"))
        (c / "tcvn3.docx").write_bytes(bytes(docx(TCVN3.splitlines())))

    def copies(c: Path) -> None:
        for i in range(8):
            (c / f"qd-2703-copy{i}.txt").write_text(plan("Tiền Giang"), encoding="utf-8")
        (c / "scan.pdf").write_bytes(b"%PDF-1.4")
        (c / "table.xlsx").write_bytes(b"PK")

    def leftovers(c: Path) -> None:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        for kind in ("building", "old"):
            (c.parent / f"store.{kind}-{int(dead.stdout)}").mkdir()

    def unclosed_nav(c: Path) -> None:
        body = "".join(f"<p>{p}</p>" for p in PLAN.split("\n\n"))
        (c / "page.html").write_text(f"<html><body><nav><ul><li>Trang chủ<li>Tin tức</ul>{body}</body></html>",
                                     encoding="utf-8")

    def names_shown(output: str, store: Path) -> str | None:
        built = json.loads((store / "cchc-kg.json").read_text(encoding="utf-8"))["documents"]
        want = ["quy\\xe9t-\\xf0\\xe3nh.txt", "line\\nbreak.md", "\\xff\\xfe.html"]
        return None if sorted(built) == sorted(want) else f"documents built: {built}"

    def no_passwd(output: str, store: Path) -> str | None:
        from kg.query import run_sparql
        from kg.store import open_store
        leak = run_sparql(open_store(store), 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "root:x:0")) }')
        return "/etc/passwd reached the store" if bool(leak) else must_say("not followed")(output, store)

    out = [
        Probe(f"zip bomb {sized} (strict)", with_plan(zip_bomb), "refuse", skip_invalid=False,
              check=must_say("zip bomb")),
        Probe(f"zip bomb {sized}", with_plan(zip_bomb), "build", check=must_say("zip bomb")),
        Probe(f"zip bomb {liar.stat().st_size / 1e6:.1f} MB → 1 GB, lying", with_plan(lying_bomb), "build",
              check=must_say("lying-bomb.docx")),
        Probe("broken docx (strict)", with_plan(broken_docx), "refuse", skip_invalid=False),
        Probe("broken docx", with_plan(broken_docx), "build",
              check=must_say("corrupt.docx", "encrypted", "compression method", "Word 97-2003", "truncated.docx")),
        Probe("symlink to /etc/passwd", with_plan(passwd_link), "build", check=no_passwd),
        Probe("bad names (strict)", bad_names, "refuse", skip_invalid=False, check=must_say("tr\\xecnh\\x07.txt")),
        Probe("bad names", bad_names, "build", check=names_shown),
        Probe("other scripts + TCVN3/VNI", scripts, "build",
              check=must_say("6 documents", "tcvn3.txt: text looks like a legacy", "vni.txt: text looks like a legacy",
                             "tcvn3.docx: text looks like a legacy")),
        Probe("8 copies of one decision", copies, "build", check=must_say("1 documents", "not read: 2 files")),
        Probe("leftovers of killed builds", with_plan(leftovers), "build", check=must_say("left by a killed build")),
        Probe("unclosed <nav>", unclosed_nav, "build", check=must_say("1 documents", "1 targets")),
    ]
    if wild and wild.is_dir():
        out.append(Probe(f"wild ({sum(1 for _ in wild.rglob('*') if _.is_file())} files)", lambda c: None, "build",
                         corpus=wild))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wild", type=Path, default=ROOT.parent / "shared" / "wild")
    ap.add_argument("--bomb-gb", type=float, default=4.0, help="how far the zip bomb inflates (GB)")
    ap.add_argument("--work", type=Path, help="keep the probes' corpora and stores here")
    args = ap.parse_args()
    base = args.work or Path(tempfile.mkdtemp(prefix="kg-abuse-"))
    work = base / "probes"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    baseline = base / "baseline"
    if not (baseline / "cchc-kg.json").is_file():
        subprocess.run([sys.executable, "-m", "kg.cli", "build", str(ROOT / "data" / "corpus"), "--out", str(baseline)],
                       check=True, capture_output=True, cwd=ROOT)
    results = [run_probe(p, work, baseline) for p in probes(work, int(args.bomb_gb * (1 << 30)), args.wild)]
    print(f"{'probe':38} {'status':7} {'exit':>4} {'time':>7} {'peak':>8} {'store kept':11} {'tb':>2}  first line")
    for r in results:
        status = "ok" if r.problem is None and r.tracebacks == 0 else "FAIL"
        print(f"{r.probe.name[:38]:38} {status:7} {r.exit:>4} {r.seconds:6.2f}s {r.peak_mb:6.0f}MB {r.kept:11} "
              f"{r.tracebacks:>2}  {r.first[:100]}")
        if r.problem:
            print(f"{'':38} problem: {r.problem}")
    failed = [r for r in results if r.problem or r.tracebacks]
    print(json.dumps({"probes": len(results), "failed": len(failed),
                      "tracebacks": sum(r.tracebacks for r in results)}))
    if not args.work:
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
