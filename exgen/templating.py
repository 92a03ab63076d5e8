"""The one Jinja2 environment, autoescape always: the documents' templates from the packaged
``exgen/render/templates/``, the service's pages as ``service/<name>`` from ``exgen/service/templates/``.

Anything a student wrote (a name, an answer) is data: it is escaped wherever it lands in HTML
or XML, never interpreted as markup.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined


def templates_dir() -> str:
    """The document templates (worksheets, keys, the report), packaged with ``exgen.render``."""
    return str(files("exgen.render") / "templates")


def service_templates_dir() -> str:
    """The service's pages (``exgen serve``), packaged with ``exgen.service``."""
    return str(files("exgen.service") / "templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(templates_dir()),
                             PrefixLoader({"service": FileSystemLoader(service_templates_dir())})]),
        autoescape=True,  # always, whatever the file extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from exgen.render.fonts import FONTS

    env.globals["fonts"] = FONTS  # the font stacks: {{ fonts.serif }}, {{ fonts.sans }}, {{ fonts.mono }}
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
