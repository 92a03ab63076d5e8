"""Benchmark: exgen's worksheets and answer keys against a plain WeasyPrint document, in one run.

Measures, interleaved round by round so that all see the same machine load:
  1. the baseline: WeasyPrint as it comes (its own HTML class and stylesheets) on a plain
     two-page text document (headings and paragraphs in the documents' fonts, A4), HTML string
     to PDF bytes;
  2. exgen in one process, per document: for each student of examples/hw3.toml (two exercises:
     a single neuron and a 2-2-1 network) the worksheet and the answer key, each from the
     assignment record to PDF bytes (context + template, layout, PDF) with a warm renderer, as
     one ``exgen render`` process does once it is going; and the fillable worksheet (form
     fields, ticket and QR code: what ``exgen render`` writes since the paper round trip) next
     to the plain one;
  3. ``exgen render`` end to end (``render_assignment``: a fresh renderer, the worker processes
     started and warmed, every PDF file written) for a class of hw3, with ``--jobs 1`` and with
     one process per CPU. Per document is the wall time divided by the documents written.
Prints the median of each, where the single-process time goes, and the ratios to the baseline
(the issue's goal: at most 2x per document).

Then memory: 400 documents (200 students' worksheets and keys) laid out and written by one
renderer, with its bounded image cache and with a plain dict as the cache (as before), each in
its own subprocess so that peak memories (resource.getrusage ru_maxrss) do not mix; the peak
after 100 and after 400 documents shows whether memory grows with the documents.

    python bench/render.py [ROUNDS] [STUDENTS]
    python bench/render.py --memory [DOCUMENTS]          # only the memory part
    python bench/render.py --one-memory DOCUMENTS bounded|dict   # one run, JSON (used by the above)
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exgen.variants.assignment import parse_assignment  # noqa: E402
from exgen.storage.session import dispose_all, session_scope  # noqa: E402
from exgen.storage.records import assign, load_assignment  # noqa: E402
from exgen.paper.form import FormWriter  # noqa: E402
from exgen.paper.tickets import TicketKey, variant_codes, WorksheetIdentity  # noqa: E402
from exgen.render.documents import form_fields  # noqa: E402
from exgen.render.engine import document_gc  # noqa: E402
from exgen.render.writer import KINDS, Renderer, default_jobs, render_assignment  # noqa: E402
from exgen.variants.roster import RosterEntry, read_roster  # noqa: E402

PARAGRAPH = (
    "Backpropagation applies the chain rule to a network one layer at a time. The forward pass "
    "computes every pre-activation and activation from the input; the loss compares the "
    "prediction with the target; the backward pass then carries the gradient of the loss from "
    "the output towards the input, and a step of gradient descent moves every weight against "
    "its gradient, scaled by the learning rate. "
)


def plain_html(sections: int) -> str:
    body = []
    for n in range(1, sections + 1):
        body.append(f"<h2>Section {n}</h2>")
        body += [f"<p>{PARAGRAPH * 2}</p>"] * 2
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "@page { size: A4; margin: 20mm 18mm } html { font: 10pt/1.35 'DejaVu Serif', serif }"
        " h2 { font: bold 13pt 'DejaVu Sans', sans-serif }</style></head><body>"
        "<h1>A plain document</h1>" + "".join(body) + "</body></html>"
    )


def record_for_hw3(tmp: str, students: int | None = None):
    """hw3 assigned to examples/roster.csv, or to ``students`` made-up students."""
    url = f"sqlite:///{tmp}/bench-{students or 'roster'}.db"
    definition = parse_assignment((ROOT / "examples" / "hw3.toml").read_text(encoding="utf-8"))
    if students is None:
        roster = read_roster((ROOT / "examples" / "roster.csv").read_bytes(), "roster.csv")
    else:
        roster = [RosterEntry(f"b{n:03d}", f"Student {n}") for n in range(1, students + 1)]
    with session_scope(url) as session:
        assign(session, definition, roster)
        record = load_assignment(session, definition.name)
    dispose_all()
    return record


def median_ms(values) -> float:
    return statistics.median(values) * 1000


def main(rounds: int = 3, class_size: int = 10) -> None:
    from weasyprint import HTML

    # the longest plain document that still fits on two pages
    sections = 1
    while len(HTML(string=plain_html(sections + 1)).render().pages) <= 2:
        sections += 1
    html = plain_html(sections)
    baseline_pages = len(HTML(string=html).render().pages)
    with tempfile.TemporaryDirectory() as tmp:
        record = record_for_hw3(tmp)
        klass = record_for_hw3(tmp, class_size)
    renderer = Renderer("a4")
    for kind in KINDS:  # warm up: imports, fonts, the graph displays and formula caches
        renderer.document(renderer.html(record, record.students[0], kind)).write_pdf()
    jobs = default_jobs()
    key = TicketKey(b"bench")
    identities = {s["student_id"]: WorksheetIdentity(key.issue(record.name, s["student_id"],
                                                                variant_codes(record, s["student_id"])).text)
                  for s in record.students}
    class_identities = {s["student_id"]: WorksheetIdentity(key.issue(klass.name, s["student_id"],
                                                                      variant_codes(klass, s["student_id"])).text)
                        for s in klass.students}
    fillable, plain_worksheets = [], []

    baseline = []
    parts = {"html": [], "layout": [], "pdf": []}
    pages = {kind: [] for kind in KINDS}
    per_kind = {kind: [] for kind in KINDS}
    single_docs = []
    end_to_end = {1: [], jobs: []}
    end_to_end_fillable = {1: [], jobs: []}
    for _ in range(rounds):
        for _ in range(5):
            start = time.perf_counter()
            HTML(string=html).render().write_pdf()
            baseline.append(time.perf_counter() - start)

        with document_gc():  # as render_assignment lays documents out
            for student in record.students:
                for kind in KINDS:
                    t0 = time.perf_counter()
                    source = renderer.html(record, student, kind)
                    t1 = time.perf_counter()
                    document = renderer.document(source)
                    t2 = time.perf_counter()
                    document.write_pdf()
                    t3 = time.perf_counter()
                    single_docs.append(t3 - t0)
                    per_kind[kind].append(t3 - t0)
                    parts["html"].append(t1 - t0)
                    parts["layout"].append(t2 - t1)
                    parts["pdf"].append(t3 - t2)
                    pages[kind].append(len(document.pages))
                # the same worksheet, fillable (fields, ticket, QR code), timed right after
                identity = identities[student["student_id"]]
                t0 = time.perf_counter()
                document = renderer.document(renderer.html(record, student, "worksheet", identity))
                document.write_pdf(finisher=FormWriter(form_fields(record, student, identity)))
                fillable.append(time.perf_counter() - t0)
                plain_worksheets.append(per_kind["worksheet"][-1])

        for n in end_to_end:
            with tempfile.TemporaryDirectory() as out:
                summary = render_assignment(klass, out, jobs=n)
            end_to_end[n].append(summary.seconds / len(summary.files))
            with tempfile.TemporaryDirectory() as out:
                summary = render_assignment(klass, out, jobs=n, identities=class_identities)
            end_to_end_fillable[n].append(summary.seconds / len(summary.files))

    base = median_ms(baseline)
    print(f"baseline: plain {baseline_pages}-page text document, WeasyPrint as it comes   "
          f"{base:7.1f} ms")
    print("exgen, one process, warm (hw3, 5 students):")
    for kind in KINDS:
        mean_pages = statistics.mean(pages[kind])
        print(f"  {kind:<9} ({mean_pages:.1f} pages)                                  "
              f"{median_ms(per_kind[kind]):7.1f} ms  ({median_ms(per_kind[kind]) / base:.1f}x)")
    single = statistics.mean(single_docs) * 1000
    print(f"  per document (mean)                                      {single:7.1f} ms  "
          f"({single / base:.1f}x the baseline)")
    total = sum(sum(v) for v in parts.values())
    print("  where the time goes: " + ", ".join(
        f"{name} {100 * sum(v) / total:.0f} %" for name, v in parts.items()))
    print(f"  fillable worksheet (form, ticket, QR code)               {median_ms(fillable):7.1f} ms  "
          f"({median_ms(fillable) / base:.1f}x the baseline, "
          f"{statistics.median(f / p for f, p in zip(fillable, plain_worksheets)):.2f}x the plain worksheet)")
    print(f"exgen render end to end (hw3, {class_size} students, {2 * class_size} PDF files, "
          "pool start included), plain worksheets / fillable ones:")
    for n, times in end_to_end.items():
        label = "--jobs 1" if n == 1 else f"--jobs {n} (one per CPU)"
        form = end_to_end_fillable[n]
        print(f"  {label:<25} per document     {median_ms(times):7.1f} ms / {median_ms(form):7.1f} ms  "
              f"({median_ms(times) / base:.1f}x / {median_ms(form) / base:.1f}x the baseline; "
              f"fillable {median_ms(form) / median_ms(times):.2f}x)")
    print("goal: ≤ 2x the baseline per document")


def one_memory(documents: int, cache: str) -> None:
    """Child process: ``documents`` laid out and written as ``exgen render --jobs 1`` does;
    prints the peak memory after a quarter of them and after all, in MB."""
    import io

    with tempfile.TemporaryDirectory() as tmp:
        record = record_for_hw3(tmp, documents // 2)
    renderer = Renderer("a4")
    if cache == "dict":
        class Unbounded(dict):  # the cache as it was: every image of every document kept
            def next_document(self):
                pass

        renderer.image_cache = Unbounded()
    peaks = {}
    start = time.perf_counter()
    with document_gc():
        done = 0
        for student in record.students:
            for kind in KINDS:
                renderer.document(renderer.html(record, student, kind)).write_pdf(io.BytesIO())
                done += 1
                if done in (documents // 4, documents):
                    peaks[done] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peaks": peaks, "seconds": time.perf_counter() - start, "cached": len(renderer.image_cache)}))


def memory(documents: int = 400) -> None:
    print(f"memory of one renderer laying out {documents} documents (hw3 worksheets and keys):")
    for cache in ("bounded", "dict"):
        out = subprocess.run([sys.executable, __file__, "--one-memory", str(documents), cache], check=True,
                             capture_output=True, text=True, env=os.environ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        peaks = ", ".join(f"{mb:.0f} MB after {n}" for n, mb in r["peaks"].items())
        label = "bounded image cache (as shipped)" if cache == "bounded" else "a plain dict (as before)"
        print(f"  {label:34s} peak {peaks}; {r['cached']} images cached at the end; "
              f"{1000 * r['seconds'] / documents:.0f} ms per document")


if __name__ == "__main__":
    if "--one-memory" in sys.argv:
        at = sys.argv.index("--one-memory")
        one_memory(int(sys.argv[at + 1]), sys.argv[at + 2])
    elif "--memory" in sys.argv:
        rest = sys.argv[sys.argv.index("--memory") + 1:]
        memory(int(rest[0]) if rest else 400)
    else:
        main(*(int(a) for a in sys.argv[1:3]))
        memory()
