"""How quantities and solutions are written for people: names, formulas, the worked solution."""
