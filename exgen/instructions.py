"""How answers are to be rounded: the one place the instruction defaults live.

An assignment may change them (its ``[instructions]`` table); the worksheet states them, the
answer key rounds its results by them, the generator checks that honest rounding by them
stays inside the grader's tolerance, the grader's tolerance and every LMS export follow them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Mapping


@dataclass(frozen=True)
class Instructions:
    significant_figures: int = 4  # every result but the updated parameters
    parameter_decimals: int = 6  # updated weights and biases

    @classmethod
    def from_mapping(cls, given: Mapping | None) -> Instructions:
        """From an assignment's ``[instructions]`` table (missing keys take the defaults)."""
        given = given or {}
        return cls(**{f.name: int(given.get(f.name, f.default)) for f in fields(cls)})

    @classmethod
    def of(cls, definition: Mapping | None) -> Instructions:
        """From a stored assignment definition (``AssignmentDef.to_json()``)."""
        return cls.from_mapping((definition or {}).get("instructions"))

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_INSTRUCTIONS = Instructions()
