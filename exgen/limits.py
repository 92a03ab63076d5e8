"""Every size and range limit of exgen, in one place (the README's table is written from it).

Each limit is checked before the work it bounds starts, and exceeding one is a one-line error
naming the field, file or line. They are generous for teaching — far beyond an exercise worked
by hand or a class taught by people — and tight enough that no input makes a command run for
minutes, exhaust memory or recurse without bound. Why each value, next to it.

This module imports nothing (the engine, which imports nothing else of exgen, reads it too).
"""

from __future__ import annotations

# -- numbers written in specs, families and assignment files -----------------------------------
#: Significant digits of a literal: a value must survive a round trip through a JSON/TOML float
#: (DBL_DIG = 15) so that variants are stored as plain numbers.
MAX_SIGNIFICANT_DIGITS = 15
#: Every literal is 0 or between 10^-MAGNITUDE and 10^MAGNITUDE in size. Exercises use values
#: like 0.01 to 100; a million either way is far outside that, and it keeps every value the
#: network computes from these inside a double (at the network limits below) and exact
#: arithmetic fast.
MAGNITUDE = 6
#: Characters of one number as written (digits, sign, point, exponent). A literal inside the
#: limits above needs at most ~25; longer tokens are refused while the file is read, before
#: a parser turns thousands of digits into an integer.
MAX_NUMBER_CHARACTERS = 100

# -- networks (specs and families) ------------------------------------------------------------
#: Hand exercises have 1-4 inputs and units per layer and 1-3 layers. At these limits a
#: worksheet already has 256 answer boxes per weight matrix, and the exact solution of the
#: largest network with a full batch takes a few seconds.
MAX_INPUTS = 16
MAX_UNITS = 16  # per layer, the output layer too
MAX_LAYERS = 8
MAX_BATCH = 16  # samples in a mini-batch
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
MIB = 1024 * 1024
#: A spec file holds one spec (the largest network: ~100 KB) or a JSON array of them.
MAX_SPEC_FILE = 16 * MIB
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
#: Nesting of brackets in a JSON or TOML document, and parts of one dotted TOML key. A spec
#: needs 5 levels (an array of specs, a spec, its layers, a layer, its weight rows); an
#: assignment 7. Python's parsers recurse once per level (5,000 levels exhaust the stack) and
#: tomllib's time grows with the square of a dotted key's length.
MAX_NESTING = 32


def megabytes(n: int) -> str:
    """A file-size limit as people say it (``16 MB``)."""
    return f"{n // MIB} MB" if n % MIB == 0 else f"{n} bytes"
