"""The one Jinja2 environment: templates from the packaged ``exgen/render/templates/``, autoescape always.

Anything a student wrote (a name, an answer) is data: it is escaped wherever it lands in HTML
or XML, never interpreted as markup.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def templates_dir() -> str:
    """The document templates (worksheets, keys, the report), packaged with ``exgen.render``."""
    return str(files("exgen.render") / "templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,  # always, whatever the file extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
