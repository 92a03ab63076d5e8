"""Benchmark: `exgen export` for a class (default 200 students × the 2 exercises of hw3).

Runs, side by side in one run:
  1. the baseline: what `exgen variants --json` does in-process (load the assignment from
     SQLite, every variant's spec and answers as JSON) — the cost of just reading and writing
     the variants out;
  2. each quiz format in-process (load + build the quiz + write the file);
  3. each format end to end with `exgen export` (process start included);
and the size of each file, with the Canvas accepted-string counts (the one output whose size
grows with the tolerance). Prints seconds, ms per variant and the ratio to the baseline.

Then the class sizes 2,000 and 10,000: `exgen export` of each format in-process, each export in
its own subprocess so that peak memories (resource.getrusage ru_maxrss) do not mix, beside the
same baseline at that size; the time's growth exponent from the smallest to the largest size.
The goals: Canvas under 400 MB at 2,000 students, time linear in the class.

    python bench/export.py [N] [--sizes 2000,10000] [--formats canvas,moodle,qti21]
    python bench/export.py --one DB FORMAT       # one export, prints JSON (used by the above)
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import best_of  # noqa: E402
from exgen.variants.assignment import parse_assignment  # noqa: E402
from exgen.storage.session import session_scope  # noqa: E402
from exgen.export import FORMATS, accepted  # noqa: E402
from exgen.export.quiz import build_quiz  # noqa: E402
from exgen.storage.records import assign, load_assignment  # noqa: E402
from exgen.variants.roster import read_roster  # noqa: E402


def one_export(url: str, fmt: str) -> None:
    """Child process: one export (or the baseline) in-process; prints seconds and peak memory."""
    import time

    from exgen.cli import cli

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if fmt == "baseline":
            cli.main(["--db", url, "variants", "hw3", "--json"], standalone_mode=False)
        else:
            cli.main(["--db", url, "export", "hw3", "--to", fmt, "--out", tmp], standalone_mode=False)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True,
                         env=os.environ).stdout
    return json.loads(out.strip().splitlines()[-1])


def class_sizes(sizes: list[int], formats: list[str]) -> None:
    print(f"\n{'class size (hw3: 2 exercises)':40s} {'seconds':>8s} {'ms/variant':>11s} {'ratio':>6s} "
          f"{'peak MB':>8s}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            url = f"sqlite:///{Path(tmp) / f'class-{n}.db'}"
            roster = Path(tmp) / f"roster-{n}.csv"
            roster.write_text("student_id,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(n)))
            subprocess.run([sys.executable, "-m", "exgen", "--db", url, "assign", str(ROOT / "examples" / "hw3.toml"),
                            "--roster", str(roster)], check=True, capture_output=True, env=os.environ)
            for fmt in ["baseline", *formats]:
                r = results[n, fmt] = _child("--one", url, fmt)
                label = "baseline: exgen variants --json" if fmt == "baseline" else f"exgen export --to {fmt}"
                print(f"{n:>7,d} students: {label:30s} {r['seconds']:8.1f} {1000 * r['seconds'] / (2 * n):11.2f} "
                      f"{r['seconds'] / results[n, 'baseline']['seconds']:6.1f} {r['peak_mb']:8.0f}", flush=True)
    small, big = min(sizes), max(sizes)
    for fmt in formats:
        growth = ""
        if big != small:
            exponent = (math.log(results[big, fmt]["seconds"] / results[small, fmt]["seconds"])
                        / math.log(big / small))
            growth = f"time grows as N^{exponent:.2f} from {small:,} to {big:,} students; "
        print(f"{fmt}: {growth}peak memory " + ", ".join(f"{results[n, fmt]['peak_mb']:.0f} MB at {n:,}" for n in sizes))
    if "canvas" in formats and 2000 in sizes:
        peak = results[2000, "canvas"]["peak_mb"]
        print(f"canvas at 2,000 students: {peak:.0f} MB ({'goal met' if peak < 400 else 'goal NOT met'}: < 400 MB)")


def main():
    if "--one" in sys.argv:
        at = sys.argv.index("--one")
        one_export(sys.argv[at + 1], sys.argv[at + 2])
        return
    sizes, formats = [2000, 10000], ["canvas", "moodle", "qti21"]
    for flag in ("--sizes", "--formats"):
        if flag in sys.argv:
            at = sys.argv.index(flag)
            values = sys.argv[at + 1].split(",")
            if flag == "--sizes":
                sizes = [int(v) for v in values]
            else:
                formats = values
            del sys.argv[at:at + 2]
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        roster = "student_id,name\n" + "".join(f"s{i:05d},Student {i}\n" for i in range(n))
        with session_scope(url) as session:
            assign(session, parse_assignment((ROOT / "examples" / "hw3.toml").read_text()),
                   read_roster(roster.encode(), "roster.csv"))

        def load():
            with session_scope(url) as session:
                return load_assignment(session, "hw3")

        def baseline():
            record = load()
            json.dumps({"variants": [{"student_id": v.student_id, "exercise": v.exercise, "code": v.code,
                                      "spec": v.spec_doc, "answers": v.answers()} for v in record.variants]})

        variants = 2 * n
        rows = [("baseline: exgen variants --json, in-process", best_of(3, baseline), None)]
        outputs = {}
        for fmt in ("moodle", "qti21", "canvas"):
            def run(fmt=fmt):
                out = io.BytesIO()
                FORMATS[fmt].write(build_quiz(load()), out=out)
                outputs[fmt] = out.getvalue()
            rows.append((f"{fmt}: load + build + write, in-process", best_of(3, run), len(outputs[fmt])))
        for fmt in ("moodle", "qti21", "canvas"):
            out = Path(tmp) / f"out-{fmt}"

            def cli(fmt=fmt, out=out):
                subprocess.run([sys.executable, "-m", "exgen", "--db", url, "export", "hw3", "--to", fmt,
                                "--out", str(out)], check=True, capture_output=True, env=os.environ)

            rows.append((f"exgen export hw3 --to {fmt}", best_of(3, cli), out.stat().st_size))
        quiz = build_quiz(load())

    base = rows[0][1]
    print(f"{n} students × 2 exercises = {variants} variants")
    print(f"{'':48s} {'seconds':>8s} {'ms/variant':>11s} {'ratio':>6s} {'file':>10s}")
    for name, seconds, size in rows:
        shown = "" if size is None else f"{size / 1024:8.0f} KB"
        print(f"{name:48s} {seconds:8.3f} {1000 * seconds / variants:11.2f} {seconds / base:6.1f} {shown:>10s}")

    counts = [sum(len(a.strings) for a in accepted.for_question(q.blanks, quiz.instructions))
              for q in quiz.questions]
    coarsened = sum(a.precision != accepted.requested(b, quiz.instructions)
                    for q in quiz.questions
                    for b, a in zip(q.blanks, accepted.for_question(q.blanks, quiz.instructions)))
    blanks = sum(len(q.blanks) for q in quiz.questions)
    with zipfile.ZipFile(io.BytesIO(outputs["canvas"])) as archive:
        xml = max(archive.infolist(), key=lambda i: i.file_size)
    print(f"canvas: {sum(counts)} accepted strings for {blanks} blanks "
          f"({sum(counts) / blanks:.0f} per blank; per question mean {sum(counts) / len(counts):.0f}, "
          f"max {max(counts)}); {coarsened} blanks asked one or more digits coarser than instructed; "
          f"assessment XML {xml.file_size / 1048576:.1f} MB unzipped")
    class_sizes(sizes, formats)


if __name__ == "__main__":
    main()
