"""Benchmark: exgen's worksheets and answer keys against a plain WeasyPrint document, in one run.

Measures, interleaved round by round so both see the same machine load:
  1. the baseline: WeasyPrint on a plain two-page text document (headings and paragraphs in
     the documents' fonts, A4), HTML string to PDF bytes;
  2. exgen: per student of examples/hw3.toml (two exercises: a single neuron and a 2-2-1
     network), the worksheet and the answer key, each from the assignment record to PDF bytes
     (context + template, layout, PDF), as ``exgen render`` does.
Prints the best round of each (the least disturbed by other work on the machine), the time per
document and per page, where exgen's time goes, and the ratio to the baseline (goal: ≤ 2).

    python bench/render.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exgen.assignment import parse_assignment  # noqa: E402
from exgen.db.session import session_scope  # noqa: E402
from exgen.records import assign, load_assignment  # noqa: E402
from exgen.render.writer import KINDS, Renderer  # noqa: E402
from exgen.roster import read_roster  # noqa: E402

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


def record_for_hw3(tmp: str):
    url = f"sqlite:///{tmp}/bench.db"
    definition = parse_assignment((ROOT / "examples" / "hw3.toml").read_text(encoding="utf-8"))
    roster = read_roster((ROOT / "examples" / "roster.csv").read_bytes(), "roster.csv")
    with session_scope(url) as session:
        assign(session, definition, roster)
        return load_assignment(session, definition.name)


def main(rounds: int = 3) -> None:
    from weasyprint import HTML

    # the longest plain document that still fits on two pages
    sections = 1
    while len(HTML(string=plain_html(sections + 1)).render().pages) <= 2:
        sections += 1
    html = plain_html(sections)
    baseline_pages = len(HTML(string=html).render().pages)
    with tempfile.TemporaryDirectory() as tmp:
        record = record_for_hw3(tmp)
    renderer = Renderer("a4")
    for kind in KINDS:  # warm up: imports, fonts, the graph displays and formula caches
        renderer.document(renderer.html(record, record.students[0], kind)).write_pdf()

    baseline_rounds, exgen_rounds = [], []
    parts = {"html": [], "layout": [], "pdf": []}
    pages = {kind: [] for kind in KINDS}
    per_kind = {kind: [] for kind in KINDS}
    for _ in range(rounds):
        start = time.perf_counter()
        HTML(string=html).render().write_pdf()
        baseline_rounds.append(time.perf_counter() - start)

        times = []
        for student in record.students:
            for kind in KINDS:
                t0 = time.perf_counter()
                source = renderer.html(record, student, kind)
                t1 = time.perf_counter()
                document = renderer.document(source)
                t2 = time.perf_counter()
                document.write_pdf()
                t3 = time.perf_counter()
                times.append(t3 - t0)
                per_kind[kind].append(t3 - t0)
                parts["html"].append(t1 - t0)
                parts["layout"].append(t2 - t1)
                parts["pdf"].append(t3 - t2)
                pages[kind].append(len(document.pages))
        exgen_rounds.append(statistics.mean(times))

    baseline, per_document = min(baseline_rounds), min(exgen_rounds)
    print(f"baseline: plain {baseline_pages}-page text document      {baseline * 1000:7.1f} ms "
          f"({baseline / baseline_pages * 1000:.1f} ms per page)")
    for kind in KINDS:
        mean_pages = statistics.mean(pages[kind])
        best = sorted(per_kind[kind])[len(per_kind[kind]) // 2]
        print(f"exgen {kind:<9} ({mean_pages:.1f} pages, median)        {best * 1000:7.1f} ms "
              f"({best / mean_pages * 1000:.1f} ms per page)")
    print(f"exgen per document (best round, {len(record.students)} students) {per_document * 1000:7.1f} ms")
    total = sum(sum(v) for v in parts.values())
    print("  where the time goes: " + ", ".join(
        f"{name} {100 * sum(v) / total:.0f} %" for name, v in parts.items()))
    all_pages = sum(sum(v) for v in pages.values()) / (len(record.students) * len(KINDS) * rounds)
    print(f"ratio per document: {per_document / baseline:.1f}x the baseline (goal ≤ 2x); "
          f"per page: {per_document / all_pages / (baseline / baseline_pages):.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
