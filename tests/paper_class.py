"""A class that hands in fillable worksheets: assigned and rendered through the command line,
filled in by the simulated students of tests/grading_class.py with pypdf or with pikepdf (qpdf),
two PDF libraries that share no code with each other."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from exgen.storage.records import load_assignment
from exgen.storage.session import session_scope
from grading_class import EXAMPLES, WAYS, answers_and_expectations
from cli_runner import run

#: One student per way of working the round trips exercise (design §4's hand-rounding cases).
CLASS_WAYS = {"s001": "exact", "s002": "rounds_4", "s003": "rounds_3", "s004": "slip",
              "s005": "skipped_update", "a/b": "junk"}
LIBRARIES = ("pypdf", "pikepdf")


def assign_class(url, tmp_path, ways=None, name="hw3") -> dict[str, str]:
    ways = ways or CLASS_WAYS
    roster = tmp_path / f"roster-{name}.csv"
    roster.write_text("student_id,name\n" + "".join(f"{sid},Student {sid}\n" for sid in ways), encoding="utf-8")
    definition = tmp_path / f"{name}.toml"
    definition.write_text((EXAMPLES / "hw3.toml").read_text().replace('name = "hw3"', f'name = "{name}"'))
    run(url, "assign", str(definition), "--roster", str(roster))
    return ways


def record_of(url, name="hw3"):
    with session_scope(url) as session:
        return load_assignment(session, name)


def answers(record, ways) -> tuple[dict, dict]:
    """(student id -> {field name: text}, (student id, item) -> expected (status, misconception))
    — the simulated students' answers, as the grader's own tests work them out."""
    written, expected = {}, {}
    for sid, way in ways.items():
        fields = {}
        for exercise in record.exercises:
            variant = record.variant(sid, exercise["key"])
            texts, wanted = answers_and_expectations(variant, WAYS[way](variant.solution.graph))
            for item, text in texts.items():
                fields[f"{exercise['key']}:{item}"] = text
                expected[sid, f"{exercise['key']}.{item}"] = wanted[item]
        written[sid] = fields
    return written, expected


def fill(blank: bytes, values: dict[str, str], library: str) -> bytes:
    """The worksheet with its fields filled in, as a student's PDF reader would save it."""
    out = io.BytesIO()
    if library == "pypdf":
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank)))
        for page in writer.pages:  # pypdf draws each value (an appearance stream)
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
        writer.write(out)
    else:
        import pikepdf
        from pikepdf.form import Form

        with pikepdf.open(io.BytesIO(blank)) as pdf:  # sets the values only: readers draw them
            form = Form(pdf)
            for name, text in values.items():
                form[name].value = text
            pdf.save(out)
    return out.getvalue()


def read_fields(data: bytes, library: str) -> dict[str, str]:
    """Every text field's value, as the given library reads it."""
    if library == "pypdf":
        from pypdf import PdfReader

        return {name: str(f.get("/V", "")) for name, f in PdfReader(io.BytesIO(data)).get_fields().items()}
    import pikepdf
    from pikepdf.form import Form

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {name: str(field.value) for name, field in Form(pdf).items()}


def write_csv(path: Path, record, written: dict) -> Path:
    """The same answers as an answer sheet (exgen answer-sheet's columns)."""
    from exgen.grading.sheet import sheet_items

    items = sheet_items(record)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *items])
        for sid, fields in written.items():
            writer.writerow([sid] + [fields.get(item.replace(".", ":", 1), "") for item in items])
    return path
