"""How quantities and solutions are written for people: ``names`` (text and LaTeX), ``formulas``
(each step's rule), ``display`` (each entry's formula and substitution), ``worked`` (the worked
solution and ``exgen solve``'s output)."""
