"""The ``exgen`` command line: a root group that only wires options to the library.

Each command lives in its own module and turns the library's exceptions into messages for
people (exit status 2 for bad input, never a traceback).
"""

from __future__ import annotations

import importlib

import click

from exgen import __version__

#: command name -> module in exgen.cli holding a click command of that name
COMMANDS = {
    "demo": "demo",
    "solve": "solve",
    "assign": "assign",
    "variants": "variants",
    "render": "render",
    "answer-sheet": "answer_sheet",
    "grade": "grade",
    "feedback": "feedback",
    "regrade": "regrade",
    "results": "results",
    "override": "override",
    "report": "report",
    "export": "export",
    "links": "links",
    "token": "token",
    "serve": "serve",
    "lti": "lti",
    "worker": "worker",
}


class ExgenGroup(click.Group):
    """Loads each command's module only when it is used, so ``exgen solve`` starts fast."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"exgen.cli.{COMMANDS[name]}")
        return getattr(module, name.replace("-", "_"))


@click.group(cls=ExgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exgen")
@click.option(
    "--db",
    "database_url",
    envvar="EXGEN_DATABASE_URL",
    default="sqlite:///exgen.db",
    show_default=True,
    help="Database URL (also EXGEN_DATABASE_URL); PostgreSQL URLs work the same.",
)
@click.pass_context
def cli(ctx, database_url):
    """Backpropagation exercises: generate, solve exactly, render, export and grade."""
    ctx.obj = {"database_url": database_url}


def main():
    from exgen.processes import exit_on_sigterm

    exit_on_sigterm()  # a killed command still removes its temporary files and stops its workers
    cli(prog_name="exgen")
