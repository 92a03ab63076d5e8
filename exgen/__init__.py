"""exgen: randomized backpropagation exercises, solved exactly, rendered, exported and graded.

The names below are the library's public API::

    from exgen import load_documents, parse_spec, solve, worked_text

    documents, _ = load_documents(open("spec.toml").read())
    solution = solve(parse_spec(documents[0]))
    print(worked_text(solution))

They are imported on first use (PEP 562), not with the package: every ``exgen`` command
imports the package, and most need only part of it.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_SOURCES = {
    "solve": "exgen.engine.solver",
    "Solution": "exgen.engine.solver",
    "SolveError": "exgen.engine.solver",
    "parse_spec": "exgen.engine.spec",
    "load_documents": "exgen.engine.spec",
    "Spec": "exgen.engine.spec",
    "SpecError": "exgen.engine.spec",
    "build_graph": "exgen.engine.graph",
    "StepGraph": "exgen.engine.graph",
    "Architecture": "exgen.engine.graph",
    "LayerShape": "exgen.engine.graph",
    "ACTIVATIONS": "exgen.engine.activations",
    "Activation": "exgen.engine.activations",
    "LOSSES": "exgen.engine.losses",
    "Loss": "exgen.engine.losses",
    "worked_text": "exgen.notation.worked",
    "solution_json": "exgen.notation.worked",
    "Instructions": "exgen.instructions",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str):
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'exgen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
