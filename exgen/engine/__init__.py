"""The engine: a spec, its step graph, and the exact solution.

``spec`` validates a spec (design §1); ``graph`` builds the step graph of a network shape;
``activations`` and ``losses`` define each function with its derivative; ``arithmetic`` holds
the arithmetics a graph is evaluated in; ``solver`` evaluates it exactly; ``numbers`` writes
exact values. This package imports nothing else of exgen (a test checks it).
"""
