"""Every size and range limit of exgen, in one place (the README's table is written from it).

Each limit is checked before the work it bounds starts, and exceeding one is a one-line error
naming the field, file or line. They are generous for teaching — far beyond an exercise worked
by hand or a class taught by people — and tight enough that no input makes a command run for
minutes, exhaust memory or recurse without bound. Why each value, next to it.

The engine's own limits (numbers, network sizes, spec files, nesting) live in
``exgen.engine.limits`` — the engine imports nothing else of exgen — and are part of this table.
"""

from __future__ import annotations

from exgen.engine.limits import (  # noqa: F401  (the engine's part of the table)
    MAGNITUDE, MAX_BATCH, MAX_INPUTS, MAX_LAYERS, MAX_NESTING, MAX_NUMBER_CHARACTERS, MAX_SIGNIFICANT_DIGITS,
    MAX_SPEC_FILE, MAX_UNITS, MIB, megabytes)

#: Values of one family grid ({min, max, step} or a list).
MAX_GRID_VALUES = 10_000

# -- assignments ------------------------------------------------------------------------------
#: A homework has 2-10 exercises; 50 covers a whole term's question bank in one assignment.
MAX_EXERCISES = 50
#: Answer-sheet columns (asked items of all exercises): Excel opens at most 16,384 columns,
#: and student_id takes one.
MAX_ITEMS = 16_383
#: Points of one exercise: from a hundredth of a point (shares of 1 point among many items)
#: to 10,000 (any grading scale people use); beyond that scores lose their meaning on paper.
MIN_POINTS = 0.01
MAX_POINTS = 10_000
#: Rounding the instructions may ask for. Fewer than 2 significant figures makes the grader's
#: tolerance 100 % (any answer of the right sign would do); fewer than 4 decimals for updated
#: parameters hides the updates the generator keeps visible at 4 decimals; more than 12
#: figures is beyond what a double or a student's calculator shows.
SIGNIFICANT_FIGURES = (2, 12)
PARAMETER_DECIMALS = (4, 12)
#: Assignment handles, exercise ids, titles: printed on every worksheet.
MAX_NAME_LENGTH = 100
MAX_EXERCISE_ID_LENGTH = 50
MAX_TITLE_LENGTH = 300

# -- rosters and answer sheets ----------------------------------------------------------------
#: Students on one roster: the largest courses (and MOOC-style sections) stay below 20,000; the
#: benchmarks run 10,000.
MAX_STUDENTS = 20_000
MAX_STUDENT_ID_LENGTH = 100
#: A student's name as printed on the worksheet (the database column holds 300 characters).
MAX_STUDENT_NAME_LENGTH = 300
#: Characters of any one CSV cell (roster or answer sheet): a typed number is < 60, a name or
#: an e-mail address (RFC 5321: 254) well below 1,000.
MAX_CELL_LENGTH = 1_000
#: Columns of a roster: an LMS's export has a few dozen.
MAX_ROSTER_COLUMNS = 1_000
#: Rows of one answer sheet: every student of the largest roster, resubmitted twice over.
MAX_SHEET_ROWS = 50_000

# -- files read by the commands (checked before they are read) --------------------------------
#: An assignment file is a few KB; 50 fixed specs of the largest network fit in 4 MB.
MAX_ASSIGNMENT_FILE = 4 * MIB
#: 20,000 students with a few long columns each.
MAX_ROSTER_FILE = 16 * MIB
#: 50,000 rows of hw3 (42 answers) are ~25 MB; a large assignment's sheet fits in 64 MB.
MAX_SHEET_FILE = 64 * MIB
#: A submitted worksheet, a filled PDF (~60 KB; a scan inside one is not an answer exgen could
#: read anyway), or any one member of a zip of submissions.
MAX_PDF_BYTES = 20 * MIB
#: Members of one zip (directories not counted): a class of 1000 with a few files each.
MAX_ZIP_MEMBERS = 10_000
#: Bytes all members of one zip come to once decompressed.
MAX_ZIP_BYTES = 2 * 1024 * MIB
#: Archive levels: an LMS zip, and zips inside it (a student who zipped their PDF).
MAX_ZIP_DEPTH = 2


