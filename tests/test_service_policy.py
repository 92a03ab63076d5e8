"""The [service] table of an assignment file: defaults, every value, and refusals that name the
field."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from exgen.grading.policy import Policy
from exgen.variants.assignment import SERVICE_DEFAULTS, AssignmentError, parse_assignment

HEAD = 'name = "hw"\nseed = 7\n'
TAIL = '\n[[exercise]]\nid = "q1"\npreset = "single-neuron"\n'


def parse(service: str):
    return parse_assignment(HEAD + "[service]\n" + service + TAIL)


def test_defaults_and_every_setting():
    plain = parse_assignment(HEAD + TAIL)
    assert plain.service == SERVICE_DEFAULTS and plain.to_json()["service"] == SERVICE_DEFAULTS
    a = parse('attempts = 3\nfeedback = "after_due"\ndue = 2026-12-01T23:59:00+01:00\nlate = "refuse"\nkeep = "best"')
    assert a.service == {"attempts": 3, "feedback": "after_due", "due": "2026-12-01T23:59:00+01:00",
                         "late": "refuse", "keep": "best"}
    assert parse('due = "2026-12-01T22:59:00Z"').service["due"] == "2026-12-01T22:59:00+00:00"
    # the policy does not fix the variants: changing it never needs --force
    assert a.variants_hash() == plain.variants_hash()

    policy = Policy.of(a.to_json())
    before = datetime(2026, 12, 1, 22, 58, tzinfo=timezone.utc)
    after = datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)
    assert not policy.is_late(before) and policy.is_late(after)
    assert policy.attempts_left(1) == 2 and policy.attempts_left(5) == 0
    assert not policy.shows_score(before) and policy.shows_score(after) and policy.shows_verdicts(after)
    assert not policy.shows_steps()
    assert Policy.of({}).attempts_left(100) is None and Policy.of({}).shows_steps()


@pytest.mark.parametrize("service, message", [
    ("attempts = -1", "service.attempts: must be a whole number from 0 (unlimited) to 1000"),
    ("attempts = 1.5", "service.attempts: must be a whole number"),
    ("attempts = true", "service.attempts: must be a whole number"),
    ('feedback = "instnat"', "service.feedback: must be one of 'instant', 'score', 'after_due', 'none', got 'instnat' (did you mean 'instant'?)"),
    ('late = "maybe"', "service.late: must be one of 'accept', 'refuse'"),
    ('keep = "first"', "service.keep: must be one of 'last', 'best'"),
    ("due = 2026-12-01T23:59:00", "service.due: give the UTC offset"),
    ("due = 2026-12-01", "service.due: give the time too"),
    ('due = "tomorrow"', "service.due: must be a date and time"),
    ("due = 5", "service.due: must be a date and time"),
    ('feedback = "after_due"', 'service.feedback: "after_due" needs a due time (service.due)'),
    ('late = "refuse"', 'service.late: "refuse" needs a due time (service.due)'),
    ("atempts = 3", "service.atempts: unknown key (did you mean 'attempts'?)"),
])
def test_refusals_name_the_field(service, message):
    with pytest.raises(AssignmentError) as error:
        parse(service)
    assert str(error.value).startswith(message)


def test_service_must_be_a_table():
    with pytest.raises(AssignmentError, match="^service: must be a table"):
        parse_assignment(HEAD + 'service = "instant"\n' + TAIL)
