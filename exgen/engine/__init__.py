"""The engine: a spec, its step graph, and the exact solution.

``spec`` validates a spec (design §1); ``graph`` builds the step graph of a network shape (what
each step is, never how it is written); ``names`` spells the quantity names; ``activations``
and ``losses`` define each function in one place (value, derivative, formula texts, what the
generator screens, the misconceptions open to it), with ``intervals`` for their ranges;
``arithmetic`` holds the protocol and the arithmetics a graph is evaluated in; ``solver``
evaluates it exactly; ``numbers`` writes exact values. This package imports nothing else of
exgen (``tests/test_layout.py`` checks it).
"""
