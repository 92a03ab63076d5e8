"""What exgen remembers: the schema (``models``), sessions and migrations (``session``,
``migrations/``), assignments and their variants (``records``), class results (``results``)."""
