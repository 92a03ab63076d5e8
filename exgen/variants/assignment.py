"""Assignment files (design §3): what a teacher writes once, validated into a definition.

```toml
name = "hw3"
title = "Homework 3 — Backpropagation"
course = "Neural Networks 101"        # optional
seed = 2026

[instructions]                        # optional: how answers are rounded
significant_figures = 4
parameter_decimals = 6

[grading]                             # optional: see GRADING_DEFAULTS
follow_through_credit = 1.0
decimal_comma = "auto"                # or true / false

[service]                             # optional: how exgen serve takes answers (see Policy)
attempts = 3                          # 0 = unlimited (default)
feedback = "instant"                  # instant | score | after_due | none
due = 2026-12-01T23:59:00+01:00       # optional, with its UTC offset
late = "accept"                       # accept (flagged late) | refuse
keep = "last"                         # which graded submission counts: last | best

[[exercise]]
id = "q2"
preset = "two-layer"                  # or no preset and a complete [exercise.family]
points = 10
ask = ["yhat", "loss", "dL/dW1"]      # optional: quantities asked (default: the whole chain)
[exercise.family]                     # optional: tune the preset
weights = {min = -1, max = 1, step = 0.1}
```
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from exgen.engine import documents
from exgen.engine.documents import describe
from exgen.engine.graph import Architecture, build_graph
from exgen.engine.numbers import LiteralError, literal, shown
from exgen.engine.solver import SolveError, solve
from exgen.engine.spec import Spec, SpecError, parse_spec
from exgen.instructions import DEFAULT_INSTRUCTIONS
from exgen.textfile import control_character
from exgen.variants.families import PRESETS, Family, FamilyError, did_you_mean, tune
from exgen.limits import (MAX_ASSIGNMENT_FILE, MAX_EXERCISE_ID_LENGTH, MAX_EXERCISES, MAX_ITEMS, MAX_NAME_LENGTH, MAX_POINTS,
                          MAX_TITLE_LENGTH, MIN_POINTS, PARAMETER_DECIMALS, SIGNIFICANT_FIGURES, megabytes)
from exgen.variants.generator import architecture

ASSIGNMENT_KEYS = ("name", "title", "course", "seed", "instructions", "grading", "service", "exercise")
EXERCISE_KEYS = ("id", "preset", "points", "family", "spec", "ask")
#: Grading settings an assignment may change (the grader reads them from the definition).
GRADING_DEFAULTS: dict[str, object] = {
    "follow_through_credit": 1.0,  # share of an item's points for a follow-through answer
    # Is "1,181" one point one eight one? "auto": where the comma is the decimal separator (a
    # sheet saved with ';' separators, a web form under such a locale); true: always; false:
    # only when it cannot be a thousands separator ("1,5", "0,181").
    "decimal_comma": "auto",
}
#: How ``exgen serve`` takes answers (design §9); stored in the definition as ``"service"``.
SERVICE_DEFAULTS: dict[str, object] = {
    "attempts": 0,  # graded submissions a student may make (0: unlimited)
    "feedback": "instant",  # what a student sees after submitting, see FEEDBACK_POLICIES
    "due": None,  # ISO 8601 time with offset, or None
    "late": "accept",  # after ``due``: "accept" (flagged late) or "refuse"
    "keep": "last",  # which graded submission counts: "last" or "best"
}
#: instant: verdicts, feedback, score and the worked step of every item not correct;
#: score: the score only; after_due: nothing until the due time, then verdicts and score;
#: none: only that the answers were received.
FEEDBACK_POLICIES = ("instant", "score", "after_due", "none")
LATE_POLICIES = ("accept", "refuse")
KEEP_POLICIES = ("last", "best")
MAX_ATTEMPTS = 1000
#: Settings that take one of a few values rather than a number.
CHOICES: dict[str, tuple] = {"decimal_comma": ("auto", True, False)}
#: Matched whole (fullmatch: "$" would let a trailing newline through).
NAME_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_NAME_LENGTH - 1}}}")
EXERCISE_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_EXERCISE_ID_LENGTH - 1}}}")
MAX_SEED = 2**31 - 1


class AssignmentError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class ExerciseDef:
    key: str
    points: float
    preset: str | None
    family: Family | None  # None for a fixed spec
    spec: Spec | None
    ask: tuple[str, ...]  # quantity names asked, in the order the work is done
    item_count: int = field(default=0, compare=False)  # answer-sheet columns it asks

    @property
    def architecture(self) -> Architecture:
        return self.spec.architecture if self.spec is not None else architecture(self.family)

    def variant_json(self) -> dict:
        """What fixes this exercise's variants (hashed to notice changes)."""
        return {
            "id": self.key,
            "family": self.family.to_json() if self.family else None,
            "spec": self.spec.to_dict() if self.spec else None,
            "ask": list(self.ask),
        }

    def to_json(self) -> dict:
        return {"points": self.points, "preset": self.preset, **self.variant_json()}


@dataclass(frozen=True)
class AssignmentDef:
    name: str
    title: str
    course: str
    seed: int
    exercises: tuple[ExerciseDef, ...]
    instructions: dict = field(default_factory=DEFAULT_INSTRUCTIONS.as_dict)
    grading: dict = field(default_factory=lambda: dict(GRADING_DEFAULTS))
    service: dict = field(default_factory=lambda: dict(SERVICE_DEFAULTS))

    def variants_hash(self) -> str:
        """Changes when the seed or the exercises change (points and titles do not count)."""
        material = {"seed": self.seed, "exercises": [e.variant_json() for e in self.exercises]}
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "course": self.course,
            "seed": self.seed,
            "instructions": self.instructions,
            "grading": self.grading,
            "service": self.service,
            "exercises": [e.to_json() for e in self.exercises],
        }


def _check_keys(table: dict, allowed, where: str):
    for key in table:
        if key not in allowed:
            raise AssignmentError(f"{where}{key}", f"unknown key{did_you_mean(key, allowed)}; "
                                  f"expected one of: {', '.join(allowed)}")


#: The range of each whole-number setting (instructions); others are shares from 0 to 1.
SETTING_RANGES = {"significant_figures": SIGNIFICANT_FIGURES, "parameter_decimals": PARAMETER_DECIMALS}
def _text(value, field: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise AssignmentError(field, f"must be text of at most {limit} characters, got {_shown_text(value)}")
    bad = control_character(value)
    if bad:
        raise AssignmentError(field, f"contains a control character ({bad}); write it on one line")
    return value


def _shown_text(value) -> str:
    if isinstance(value, str):
        return f"a text of {len(value)} characters" if len(value) > 40 else repr(value)
    return describe(value)


def _settings(doc: dict, key: str, defaults: dict) -> dict:
    table = doc.get(key, {})
    if not isinstance(table, dict):
        raise AssignmentError(key, "must be a table")
    _check_keys(table, tuple(defaults), f"{key}.")
    out = dict(defaults)
    for name, value in table.items():
        field = f"{key}.{name}"
        if name in CHOICES:
            if not any(value == choice and type(value) is type(choice) for choice in CHOICES[name]):
                wanted = " or ".join('"auto"' if c == "auto" else str(c).lower() for c in CHOICES[name])
                raise AssignmentError(field, f"must be {wanted}, got {_toml(value)}")
            out[name] = value
            continue
        low, high = SETTING_RANGES.get(name, (0, 1))
        whole = name in SETTING_RANGES
        expected = f"a whole number from {low} to {high}" if whole else f"between {low} and {high}"
        try:
            number = literal(value)
        except LiteralError as e:
            raise AssignmentError(field, f"must be {expected}, got {shown(value)}" if e.too_large else str(e)) from None
        if not low <= number <= high or (whole and number.denominator != 1):
            raise AssignmentError(field, f"must be {expected}, got {shown(value)}")
        out[name] = int(number) if whole else float(number)
    return out


def _choice(table: dict, key: str, choices: tuple) -> str:
    value = table[key]
    if value not in choices:
        shown_value = repr(value) if isinstance(value, str) and len(value) <= 40 else _toml(value)
        raise AssignmentError(f"service.{key}", f"must be one of {', '.join(map(repr, choices))}, got {shown_value}"
                              f"{did_you_mean(value, choices) if isinstance(value, str) else ''}")
    return value


def _due(value) -> str:
    """The due time as ISO 8601 with its UTC offset (a time without one would mean a different
    moment on the server than in the classroom)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise AssignmentError("service.due", f"must be a date and time like 2026-12-01T23:59:00+01:00, "
                                  f"got {_toml(value)}") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        raise AssignmentError("service.due", f"give the time too, with its UTC offset: "
                              f"{value.isoformat()}T23:59:00+01:00")
    if isinstance(value, time) or not isinstance(value, datetime):
        raise AssignmentError("service.due", f"must be a date and time like 2026-12-01T23:59:00+01:00, "
                              f"got {_toml(value)}")
    if value.utcoffset() is None:
        raise AssignmentError("service.due", f"give the UTC offset (e.g. {value.isoformat()}+01:00 or "
                              f"{value.isoformat()}Z), so the time is the same wherever the server runs")
    return value.isoformat()


def parse_service(doc: dict) -> dict:
    """The ``[service]`` table: the policy under which ``exgen serve`` takes answers."""
    table = doc.get("service", {})
    if not isinstance(table, dict):
        raise AssignmentError("service", "must be a table")
    _check_keys(table, tuple(SERVICE_DEFAULTS), "service.")
    out = dict(SERVICE_DEFAULTS)
    if "attempts" in table:
        attempts = table["attempts"]
        if isinstance(attempts, bool) or not isinstance(attempts, int) or not 0 <= attempts <= MAX_ATTEMPTS:
            raise AssignmentError("service.attempts", f"must be a whole number from 0 (unlimited) to "
                                  f"{MAX_ATTEMPTS}, got {_toml(attempts)}")
        out["attempts"] = attempts
    for key, choices in (("feedback", FEEDBACK_POLICIES), ("late", LATE_POLICIES), ("keep", KEEP_POLICIES)):
        if key in table:
            out[key] = _choice(table, key, choices)
    if "due" in table:
        out["due"] = _due(table["due"])
    if out["feedback"] == "after_due" and out["due"] is None:
        raise AssignmentError("service.feedback", '"after_due" needs a due time (service.due)')
    if out["late"] == "refuse" and out["due"] is None:
        raise AssignmentError("service.late", '"refuse" needs a due time (service.due)')
    return out


def _toml(value) -> str:
    """A value as the teacher wrote it in TOML."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "…", ensure_ascii=False)
    return describe(value)  # numbers as written (1e308, nan), never Decimal('1E+308')


def parse_assignment(text: str) -> AssignmentDef:
    if len(text) > MAX_ASSIGNMENT_FILE:  # characters ≤ bytes: certainly beyond the limit
        raise AssignmentError("", f"the file is larger than {megabytes(MAX_ASSIGNMENT_FILE)} (exgen.limits)")
    try:
        doc = documents.load(text, "toml")
    except documents.DocumentError as e:
        raise AssignmentError("", str(e)) from None
    _check_keys(doc, ASSIGNMENT_KEYS, "")
    for key in ("name", "seed", "exercise"):
        if key not in doc:
            raise AssignmentError(key, "missing")
    name = doc["name"]
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise AssignmentError("name", f"must be a short handle (at most {MAX_NAME_LENGTH} letters, digits, "
                              f"'.', '_' or '-'), got {_shown_text(name)}")
    title = _text(doc.get("title", name), "title", MAX_TITLE_LENGTH)
    course = _text(doc.get("course", ""), "course", MAX_TITLE_LENGTH)
    seed = doc["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise AssignmentError("seed", f"must be a whole number from 0 to {MAX_SEED}, got {shown(seed)}")
    raw_exercises = doc["exercise"]
    if not isinstance(raw_exercises, list) or not raw_exercises:
        raise AssignmentError("exercise", "must be a list of exercises ([[exercise]] tables)")
    if len(raw_exercises) > MAX_EXERCISES:
        raise AssignmentError("exercise", f"has {len(raw_exercises)} exercises; at most {MAX_EXERCISES} "
                              "(exgen.limits)")
    instructions = _settings(doc, "instructions", DEFAULT_INSTRUCTIONS.as_dict())
    grading = _settings(doc, "grading", GRADING_DEFAULTS)
    exercises, seen, items = [], set(), 0
    for n, raw in enumerate(raw_exercises, 1):
        exercise = parse_exercise(raw, f"exercise[{n}]")
        if exercise.key in seen:
            raise AssignmentError(f"exercise[{n}].id", f"{exercise.key!r} is used by an earlier exercise")
        seen.add(exercise.key)
        exercises.append(exercise)
        items += exercise.item_count
        if items > MAX_ITEMS:
            raise AssignmentError(f"exercise[{n}]", f"brings the answer sheet to {items} items (columns); at "
                                  f"most {MAX_ITEMS}, as a spreadsheet holds (exgen.limits): ask fewer quantities")
    return AssignmentDef(name, title, course, seed, tuple(exercises), instructions, grading, parse_service(doc))


def parse_exercise(raw, where: str) -> ExerciseDef:
    if not isinstance(raw, dict):
        raise AssignmentError(where, "must be a table")
    _check_keys(raw, EXERCISE_KEYS, f"{where}.")
    key = raw.get("id")
    if not isinstance(key, str) or not EXERCISE_PATTERN.fullmatch(key):
        raise AssignmentError(f"{where}.id", f"must be a short id (at most {MAX_EXERCISE_ID_LENGTH} letters, "
                              f"digits, '_' or '-'; it prefixes answer-sheet items like q1.loss), "
                              f"got {_shown_text(key)}")
    points = _points(raw.get("points", 1), f"{where}.points")
    preset = raw.get("preset")
    family = spec = None
    if "spec" in raw:
        if preset is not None or "family" in raw:
            raise AssignmentError(f"{where}.spec", "a fixed spec cannot be combined with a preset or family")
        try:
            spec = parse_spec(raw["spec"])
            solve(spec)  # a fixed spec must be solvable (e.g. ŷ inside the loss's domain)
        except SpecError as e:
            raise AssignmentError(f"{where}.spec.{e.field}" if e.field else f"{where}.spec", e.message) from None
        except SolveError as e:
            raise AssignmentError(f"{where}.spec", str(e)) from None
    else:
        if preset is not None and (not isinstance(preset, str) or preset not in PRESETS):
            raise AssignmentError(f"{where}.preset", f"unknown preset {_shown_text(preset)}"
                                  f"{did_you_mean(preset, PRESETS)}; known: {', '.join(PRESETS)}")
        table = raw.get("family", {})
        if not isinstance(table, dict):
            raise AssignmentError(f"{where}.family", "must be a table")
        if preset is None and not table:
            raise AssignmentError(where, f"needs a preset ({', '.join(PRESETS)}), a [family] or a fixed [spec]")
        try:
            family = tune(PRESETS.get(preset), table, f"{where}.family")
        except FamilyError as e:
            raise AssignmentError(e.field, e.message) from None
    arch = spec.architecture if spec is not None else architecture(family)
    steps = build_graph(arch).steps
    names = [step.name for step in steps]
    ask = raw.get("ask")
    if ask is None:
        asked = tuple(names)
    else:
        if not isinstance(ask, list) or not ask or not all(isinstance(a, str) for a in ask):
            raise AssignmentError(f"{where}.ask", "must be a list of quantity names, e.g. [\"yhat\", \"loss\"]")
        known = set(names)
        for i, name in enumerate(ask, 1):
            if name not in known:
                raise AssignmentError(f"{where}.ask[{i}]", f"no quantity {_shown_text(name)} in this network"
                                      f"{did_you_mean(name, names)}; it has: {', '.join(names)}")
        wanted = set(ask)
        asked = tuple(n for n in names if n in wanted)  # in the order the work is done
    items = sum(len(step.cells) for step in steps if step.name in set(asked))
    return ExerciseDef(key, points, preset, family, spec, asked, items)


def _points(value, field: str) -> float:
    expected = f"must be a positive number from {MIN_POINTS:g} to {MAX_POINTS:,} (exgen.limits), got {shown(value)}"
    try:
        points = literal(value)
    except LiteralError as e:
        raise AssignmentError(field, expected if e.too_large else str(e)) from None
    if not MIN_POINTS <= float(points) <= MAX_POINTS:
        raise AssignmentError(field, expected)
    return float(points)
