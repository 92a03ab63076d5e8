"""From an assignment file and a roster to one well-posed variant per student and exercise:
``families`` (value grids), ``generator`` (sampling and screening), ``assignment`` (the file),
``roster`` (the class list)."""
