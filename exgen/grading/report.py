"""The teacher's item analysis (``exgen report``): what the class got right, where it struggled,
which mistakes recur, and which items do not tell strong and weak students apart.

Everything is computed from the class results (``exgen.storage.results.class_results``, the design §4
JSON) — the same numbers ``exgen results`` shows — and laid out by ``templates/report.html``
with matplotlib plots embedded as data: URLs, rendered by WeasyPrint (``exgen.render.pdf``).
"""

from __future__ import annotations

import base64
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean, median, pstdev

from exgen.grading.feedback import LABELS
from exgen.grading.judge import STATUSES
from exgen.grading.misconceptions import BY_NAME

STATUS_LABELS = {"correct": "correct", "follow_through": "follow-through", "incorrect": "incorrect",
                 "missing": "missing", "invalid": "invalid"}
STATUS_COLOURS = {"correct": "#2e7d32", "follow_through": "#8bc34a", "incorrect": "#c62828",
                  "missing": "#bdbdbd", "invalid": "#ff8f00"}
#: Below this corrected item-total correlation an item tells strong and weak students apart
#: poorly (the usual rule of thumb in item analysis).
WEAK_DISCRIMINATION = 0.2
LISTED = 8


@dataclass
class ItemStats:
    item: str
    exercise: str
    answered: int  # students with a submission
    counts: Counter
    discrimination: float | None  # corrected item-total correlation; None when nobody differs
    misconceptions: Counter = field(default_factory=Counter)

    def share(self, status: str) -> float:
        return self.counts[status] / self.answered if self.answered else 0.0

    @property
    def credit(self) -> float:
        """Share of students with credit (correct or follow-through)."""
        return self.share("correct") + self.share("follow_through")


@dataclass
class MisconceptionStats:
    name: str
    label: str
    count: int
    students: int
    items: list  # (item, count), most frequent first


@dataclass
class Analysis:
    name: str
    title: str
    course: str
    students: int
    submitted: int
    scores: list
    max_score: float
    items: list  # ItemStats in sheet order
    misconceptions: list  # MisconceptionStats, most frequent first
    flags: list = field(default_factory=list)  # (student id, name, flag JSON): evidence of copying
    overrides: list = field(default_factory=list)  # (student id, name, item, item JSON with "override")

    @property
    def mean(self) -> float | None:
        return fmean(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return median(self.scores) if self.scores else None

    @property
    def spread(self) -> float | None:
        return pstdev(self.scores) if len(self.scores) > 1 else None

    @property
    def least_discriminating(self) -> list:
        rated = [s for s in self.items if s.discrimination is not None]
        return sorted(rated, key=lambda s: s.discrimination)[:LISTED]

    @property
    def hardest(self) -> list:
        return sorted(self.items, key=lambda s: (s.credit, s.item))[:LISTED]

    @property
    def undiscriminating(self) -> list:
        """Items every student got the same credit on (nothing to correlate)."""
        return [s for s in self.items if s.discrimination is None]


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = fmean(xs), fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def analyse(results: dict, title: str = "", course: str = "") -> Analysis:
    """Item analysis of the class results (design §4 JSON)."""
    submitted = {sid: s for sid, s in results["students"].items() if s["submitted"]}
    order: dict[str, None] = {}
    for student in submitted.values():
        for item in student["items"]:
            order.setdefault(item, None)
    items = list(order)
    totals = {sid: s["score"] for sid, s in submitted.items()}
    stats = []
    by_misconception: dict[str, Counter] = defaultdict(Counter)
    students_with: dict[str, set] = defaultdict(set)
    for item in items:
        counts, mis = Counter(), Counter()
        credits, rest = [], []
        for sid, student in submitted.items():
            verdict = student["items"].get(item)
            if verdict is None:
                continue
            counts[verdict["status"]] += 1
            if verdict.get("misconception"):
                mis[verdict["misconception"]] += 1
                by_misconception[verdict["misconception"]][item] += 1
                students_with[verdict["misconception"]].add(sid)
            top = verdict.get("max_score") or 0.0
            credits.append(verdict["score"] / top if top else 0.0)
            rest.append(totals[sid] - verdict["score"])
        stats.append(ItemStats(item, item.split(".", 1)[0], sum(counts.values()), counts,
                               _correlation(credits, rest), mis))
    misconceptions = [
        MisconceptionStats(name, BY_NAME[name].label if name in BY_NAME else LABELS.get(name, name), sum(c.values()),
                           len(students_with[name]), c.most_common(4))
        for name, c in sorted(by_misconception.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ]
    max_score = next(iter(results["students"].values()))["max_score"] if results["students"] else 0.0
    flags = [(sid, s["name"], flag) for sid, s in results["students"].items() for flag in s.get("flags") or []]
    overrides = [(sid, s["name"], item, verdict) for sid, s in results["students"].items()
                 for item, verdict in s["items"].items() if verdict.get("override")]
    return Analysis(results.get("assignment", ""), title, course, len(results["students"]), len(submitted),
                    sorted(totals.values()), float(max_score), stats, misconceptions, flags, overrides)


# -- plots ---------------------------------------------------------------------------------------
def _svg_url(figure) -> str:
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.BytesIO()
    # text stays text (searchable in the PDF); a fixed salt and no date keep the output stable
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "exgen-report"}):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    figure.set_layout_engine("constrained")
    return figure


def histogram(analysis: Analysis) -> str:
    """Distribution of the students' total scores."""
    figure = _figure(6.4, 2.5)
    ax = figure.add_subplot()
    top = analysis.max_score or 1.0
    bins = min(20, max(5, int(math.ceil(top))))
    ax.hist(analysis.scores, bins=bins, range=(0, top), color="#455a64", edgecolor="white")
    if analysis.mean is not None:
        ax.axvline(analysis.mean, color="#c62828", linewidth=1.2, label=f"mean {analysis.mean:.2f}")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel(f"score (of {top:g})", fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg_url(figure)


#: Items per status chart: a chart of this many rows and the exercise's heading fit on one A4
#: page, so an exercise with more items gets several charts (one chart taller than a page left
#: its heading alone on a page, and ran off the next).
CHART_ROWS = 40


def status_chart(stats: list[ItemStats]) -> str:
    """Per item, the share of each status as a stacked horizontal bar (work order, top down)."""
    figure = _figure(6.4, 0.6 + 0.17 * len(stats))
    ax = figure.add_subplot()
    labels = [s.item for s in stats]
    rows = range(len(stats))
    left = [0.0] * len(stats)
    for status in STATUSES:
        shares = [100 * s.share(status) for s in stats]
        ax.barh(rows, shares, left=left, color=STATUS_COLOURS[status], label=STATUS_LABELS[status], height=0.8)
        left = [a + b for a, b in zip(left, shares)]
    ax.set_yticks(list(rows), labels, fontsize=7, fontfamily="DejaVu Sans Mono")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of students", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(ncols=5, fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return _svg_url(figure)


# -- the document ----------------------------------------------------------------------------------
def report_html(analysis: Analysis) -> str:
    from exgen.templating import render

    exercises: dict[str, list] = {}
    for stats in analysis.items:
        exercises.setdefault(stats.exercise, []).append(stats)
    return render(
        "report.html",
        a=analysis,
        exercises=[{"key": key, "items": items,
                    "charts": [status_chart(items[n:n + CHART_ROWS]) for n in range(0, len(items), CHART_ROWS)]}
                   for key, items in exercises.items()],
        histogram=histogram(analysis) if analysis.scores else None,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        status_colours=STATUS_COLOURS,
        weak=WEAK_DISCRIMINATION,
        misconception_feedback={**LABELS, **{name: m.label for name, m in BY_NAME.items()}},
        today=date.today().isoformat(),
    )


def report_pdf(session, name: str) -> tuple[Analysis, bytes]:
    """Analyse the class results of an assignment; the analysis and the PDF's bytes."""
    from exgen.render.pdf import html_to_pdf
    from exgen.storage.records import find_assignment
    from exgen.storage.results import class_results

    assignment = find_assignment(session, name)
    analysis = analyse(class_results(session, name), assignment.title, assignment.course)
    return analysis, html_to_pdf(report_html(analysis))
