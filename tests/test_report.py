"""exgen report: the item analysis, checked against an independent computation, and the PDF."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pypdf import PdfReader

from exgen.grading.report import analyse, report_html
from exgen.render.pdf import html_to_pdf, url_fetcher
from grading_class import fill_sheet, results, run, setup_class


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def graded(database_url, tmp_path):
    who, definition = setup_class(database_url, tmp_path, per_way=2)
    sheet, _ = fill_sheet(database_url, tmp_path, who, students=set(sorted(who)[:-2]))  # two never hand in
    run(database_url, "grade", "hw3", str(sheet))
    return database_url, results(database_url)


def test_item_analysis_matches_an_independent_count(graded):
    _, data = graded
    analysis = analyse(data)
    submitted = {sid: s for sid, s in data["students"].items() if s["submitted"]}
    assert (analysis.students, analysis.submitted) == (len(data["students"]), len(data["students"]) - 2)
    assert analysis.scores == sorted(s["score"] for s in submitted.values())
    assert [s.item for s in analysis.items] == list(next(iter(submitted.values()))["items"])
    for stats in analysis.items:
        statuses = [s["items"][stats.item]["status"] for s in submitted.values()]
        for status in ("correct", "follow_through", "incorrect", "missing", "invalid"):
            assert stats.share(status) == pytest.approx(statuses.count(status) / len(statuses))
        credit = np.array([s["items"][stats.item]["score"] / s["items"][stats.item]["max_score"]
                           for s in submitted.values()])
        rest = np.array([s["score"] - s["items"][stats.item]["score"] for s in submitted.values()])
        if credit.std() == 0:
            assert stats.discrimination is None
        else:
            assert stats.discrimination == pytest.approx(np.corrcoef(credit, rest)[0, 1])
    least = analysis.least_discriminating
    assert least == sorted(least, key=lambda s: s.discrimination)
    assert all(s.discrimination >= least[-1].discrimination for s in analysis.items
               if s.discrimination is not None and s not in least)
    # misconceptions counted over the current submissions, most frequent first
    counted = {}
    for student in submitted.values():
        for verdict in student["items"].values():
            if verdict["misconception"]:
                counted[verdict["misconception"]] = counted.get(verdict["misconception"], 0) + 1
    assert {m.name: m.count for m in analysis.misconceptions} == counted
    assert [m.count for m in analysis.misconceptions] == sorted(counted.values(), reverse=True)


def test_the_report_pdf_says_what_a_teacher_acts_on(graded, tmp_path):
    url, data = graded
    out = tmp_path / "report.pdf"
    result = run(url, "report", "hw3", "--out", str(out))
    assert f"item analysis of 42 items for {len(data['students']) - 2} of {len(data['students'])} students" \
        in result.stdout
    text = pdf_text(out)
    analysis = analyse(data)
    for words in ("Item analysis", "Homework 3", "Score distribution", "Where the class struggles",
                  "Most frequent misconceptions", "Items that discriminate least", "Exercise q2: every item",
                  f"{analysis.mean:.2f}", "weight gradients used in place of δ", "update with the wrong sign",
                  "q2.dL/dW1[1,2]", "q2.W2_new[1,1]"):
        assert words in text, words
    assert len(PdfReader(str(out)).pages) >= 3


def test_nothing_in_the_report_is_markup_or_fetched(graded):
    url, data = graded
    analysis = analyse(data, title='<img src="file:///etc/passwd"> & <b>bold</b>', course="C <i>1</i>")
    html = report_html(analysis)
    assert "<img src=\"file:///etc/passwd\">" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    fetcher = url_fetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert fetcher.refused == []  # the plots are data: URLs, nothing else is fetched
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert '<img src="file:///etc/passwd"> & <b>bold</b>' in text


def test_a_report_before_any_grading(database_url, tmp_path):
    setup_class(database_url, tmp_path, per_way=1)
    out = tmp_path / "empty.pdf"
    run(database_url, "report", "hw3", "--out", str(out))
    assert "No graded submissions yet" in pdf_text(out)
    result = run(database_url, "report", "hw4", "--out", str(tmp_path / "none.pdf"), code=2)
    assert "no assignment named 'hw4'" in result.output and not (tmp_path / "none.pdf").exists()


def _synthetic_results(students: int, items: dict[str, int]) -> dict:
    """Class results (as ``exgen results --json``) of ``students`` with ``items`` per exercise,
    statuses drawn at random (seeded)."""
    import random

    rng = random.Random(12)
    out = {}
    for s in range(students):
        verdicts = {}
        for exercise, n in items.items():
            for i in range(n):
                status = rng.choice(["correct"] * 5 + ["follow_through", "incorrect", "missing", "invalid"])
                verdicts[f"{exercise}.dL/dW{i // 9 + 1}[{i % 3 + 1},{i % 9 // 3 + 1}]/{i}"] = {
                    "status": status, "score": 0.25 if status in ("correct", "follow_through") else 0.0,
                    "max_score": 0.25,
                    "misconception": rng.choice(["transposed", "update_sign"]) if status == "incorrect" else None}
        out[f"s{s:03d}"] = {"name": f"Student {s}", "score": sum(v["score"] for v in verdicts.values()),
                            "max_score": 0.25 * sum(items.values()), "submitted": True, "overrides": 0,
                            "flags": [], "items": verdicts}
    return {"assignment": "big", "exercises": list(items), "students": out}


@pytest.mark.skipif(__import__("shutil").which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("q2_items", [12, 45, 90, 150])
def test_no_report_page_holds_only_a_heading(tmp_path, q2_items):
    """An exercise's chart taller than a page left its heading alone on a page; a heading at the
    foot of a page was separated from its table. Every page holds more than a heading."""
    import re
    import subprocess

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(html_to_pdf(report_html(analyse(_synthetic_results(30, {"q1": 9, "q2": q2_items})))))
    pages = len(PdfReader(str(pdf)).pages)
    headings = {"Score distribution", "Where the class struggles", "Most frequent misconceptions",
                "Items that discriminate least", "Answers that fit a classmate's variant",
                "Exercise q1: every item", "Exercise q2: every item"}
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        body = [line.strip() for line in text.splitlines() if line.strip()
                and not line.startswith("Item analysis ·") and not re.fullmatch(r"Page \d+ of \d+", line.strip())]
        assert len(body) > 3, (page, body)
        assert body[-1] not in headings, (page, body)  # no page ends on a heading
