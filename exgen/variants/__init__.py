"""From an assignment file and a roster to one well-posed variant per student and exercise:
``families`` (value grids), ``constraints`` (what makes a variant well posed), ``generator``
(sampling and screening), ``assignment`` (the file), ``roster`` (the class list)."""
