"""The policy under which students hand in answers themselves (design §9, ``[service]``):
how many attempts, what they see afterwards, the due time, late work, which attempt counts.

One place answers every question the student page, the JSON API and the store ask, so that
what is hidden from a student in the page is hidden in the API too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from exgen.variants.assignment import SERVICE_DEFAULTS


@dataclass(frozen=True)
class Policy:
    attempts: int = 0  # 0: unlimited
    feedback: str = "instant"  # instant | score | after_due | none
    due: datetime | None = None
    late: str = "accept"  # accept | refuse
    keep: str = "last"  # last | best

    @classmethod
    def of(cls, definition: dict | None) -> "Policy":
        """The policy stored in an assignment's definition (defaults for older definitions)."""
        table = {**SERVICE_DEFAULTS, **((definition or {}).get("service") or {})}
        due = datetime.fromisoformat(table["due"]) if table["due"] else None
        return cls(int(table["attempts"]), table["feedback"], due, table["late"], table["keep"])

    def is_late(self, now: datetime) -> bool:
        return self.due is not None and now > self.due

    def attempts_left(self, used: int) -> int | None:
        """Attempts a student still has (None: unlimited)."""
        return None if not self.attempts else max(0, self.attempts - used)

    def shows_score(self, now: datetime) -> bool:
        return self.feedback in ("instant", "score") or (self.feedback == "after_due" and self.is_late(now))

    def shows_verdicts(self, now: datetime) -> bool:
        """Each item's verdict and the grader's feedback."""
        return self.feedback == "instant" or (self.feedback == "after_due" and self.is_late(now))

    def shows_steps(self) -> bool:
        """The worked step of each item not correct (from the answer key)."""
        return self.feedback == "instant"

    def describe(self, now: datetime) -> str:
        """What a student is told they will see after submitting."""
        return {
            "instant": "After you submit you see each answer's verdict, your score and, for answers "
                       "that are not right, the worked step.",
            "score": "After you submit you see your score (not which answers were right).",
            "after_due": ("Verdicts and scores are shown now that the due time has passed." if self.is_late(now)
                          else "Verdicts and scores are shown after the due time."),
            "none": "Your answers are stored for your teacher; no verdicts are shown here.",
        }[self.feedback]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
