"""The limits the engine itself enforces (numbers, network sizes, spec files, nesting).

They belong to exgen's one table of limits, :mod:`exgen.limits`, which imports them from
here: the engine imports nothing else of exgen (a test checks it).
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
# -- spec files --------------------------------------------------------------------------------
MIB = 1024 * 1024
#: A spec file holds one spec (the largest network: ~100 KB) or a JSON array of them.
MAX_SPEC_FILE = 16 * MIB
#: Nesting of brackets in a JSON or TOML document, and parts of one dotted TOML key. A spec
#: needs 5 levels (an array of specs, a spec, its layers, a layer, its weight rows); an
#: assignment 7. Python's parsers recurse once per level (5,000 levels exhaust the stack) and
#: tomllib's time grows with the square of a dotted key's length.
MAX_NESTING = 32


def megabytes(n: int) -> str:
    """A file-size limit as people say it (``16 MB``)."""
    return f"{n // MIB} MB" if n % MIB == 0 else f"{n} bytes"
