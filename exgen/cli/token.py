"""``exgen token create LABEL | list | revoke LABEL``: teachers' tokens for exgen serve."""

from __future__ import annotations

import click

from exgen.cli.common import database, shown_time
from exgen.cli.errors import InputError


@click.group()
def token():
    """Teachers' bearer tokens for exgen serve's API and dashboard.

    A token is printed once, when it is made; only its hash is stored. Revoking it ends
    every API use and dashboard sign-in made with it.
    """


@token.command()
@click.argument("label")
@click.pass_obj
def create(obj, label):
    """Make a token for LABEL (who or what holds it); it is printed once, on the last line."""
    from exgen.storage.tokens import TokenError, create_token

    with database(obj) as session:
        try:
            secret = create_token(session, label)
        except TokenError as e:
            raise InputError(f"token: {e}") from None
    click.echo(f"token {label!r} created; it is shown only now (keep it like a password):", err=True)
    click.echo(secret)


@token.command(name="list")
@click.pass_obj
def list_(obj):
    """The tokens' labels, when each was made and last used (never the tokens)."""
    from exgen.storage.results import terminal_text
    from exgen.storage.tokens import list_tokens

    with database(obj, create=False) as session:
        rows = [(t.label, t.created_at, t.last_used_at) for t in list_tokens(session)]
    if not rows:
        click.echo("no teacher tokens (exgen token create LABEL)")
        return
    width = max(len(label) for label, _, _ in rows)
    for label, created, used in rows:
        click.echo(f"{terminal_text(label):<{width}}  created {shown_time(created)}  last used {shown_time(used) if used else 'never'}")


@token.command()
@click.argument("label")
@click.pass_obj
def revoke(obj, label):
    """Revoke LABEL's token: API calls and dashboard sign-ins made with it stop working."""
    from exgen.storage.tokens import TokenError, revoke_token

    with database(obj, create=False) as session:
        try:
            revoke_token(session, label)
        except TokenError as e:
            raise InputError(f"token: {e}") from None
    click.echo(f"token {label!r} revoked")
