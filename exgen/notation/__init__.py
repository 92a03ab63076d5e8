"""How quantities and solutions are written for people: ``names`` (text and LaTeX), ``formulas``
(each step's rule), ``rounding`` (numbers rounded as instructed), ``chain`` (the numbers a worked
solution prints: each result from the rounded numbers before it), ``display`` (each entry's
formula and substitution), ``worked`` (the worked solution and ``exgen solve``'s output)."""
