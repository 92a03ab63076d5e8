"""``exgen lti register | list | remove | rotate-key | keys | roster | sync``: exgen as an LTI 1.3
tool of Canvas, Moodle and other learning platforms (design §11)."""

from __future__ import annotations

import json

import click

from exgen.cli.common import database, shown_time
from exgen.cli.errors import InputError


@click.group()
def lti():
    """Learning platforms (Canvas, Moodle, ...) that launch exgen over LTI 1.3.

    exgen serve's page /lti/config shows what to enter in the platform; register the values the
    platform gives back with exgen lti register.
    """


@lti.command()
@click.option("--issuer", required=True, help="The platform's issuer (Canvas: https://canvas.instructure.com; "
                                                "Moodle: its Platform ID).")
@click.option("--client-id", required=True, help="The client id the platform gave exgen.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True,
              help="A deployment id of the tool on the platform (repeat for several).")
@click.option("--jwks-url", required=True, help="Where the platform publishes its public keys.")
@click.option("--auth-url", required=True, help="The platform's OIDC authorisation (authentication request) URL.")
@click.option("--token-url", required=True, help="The platform's OAuth 2 access token URL.")
@click.pass_obj
def register(obj, issuer, client_id, deployment_ids, jwks_url, auth_url, token_url):
    """Register a platform (again: its URLs and deployments are replaced by the ones given)."""
    from exgen.lti import LtiError
    from exgen.lti.platforms import register as store

    with database(obj) as session:
        try:
            platform, created = store(session, issuer, client_id, list(deployment_ids), jwks_url, auth_url, token_url)
        except LtiError as e:
            raise InputError(f"lti register: {e}") from None
        deployments = ", ".join(d.deployment_id for d in platform.deployments)
    click.echo(f"{'registered' if created else 'updated'} {issuer} (client id {client_id}; deployments {deployments})")


@lti.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="As JSON: {\"platforms\": [...]}.")
@click.pass_obj
def list_(obj, as_json):
    """The registered platforms."""
    from exgen.lti.platforms import describe, list_platforms

    with database(obj, create=False) as session:
        platforms = [describe(p) for p in list_platforms(session)]
    if as_json:
        click.echo(json.dumps({"platforms": platforms}, indent=2))
        return
    if not platforms:
        click.echo("no platforms registered (exgen lti register --issuer ... --client-id ...)")
        return
    for p in platforms:
        click.echo(f"{p['issuer']}  client id {p['client_id']}  deployments {', '.join(p['deployment_ids'])}")
        click.echo(f"    keys {p['jwks_url']}\n    sign-in {p['auth_url']}\n    tokens {p['token_url']}")


@lti.command()
@click.argument("issuer")
@click.argument("client_id")
@click.pass_obj
def remove(obj, issuer, client_id):
    """Forget the platform ISSUER's registration CLIENT_ID: its launches are refused from now on."""
    from exgen.lti import LtiError
    from exgen.lti.platforms import remove as forget

    with database(obj, create=False) as session:
        try:
            forget(session, issuer, client_id)
        except LtiError as e:
            raise InputError(f"lti remove: {e}") from None
    click.echo(f"removed {issuer} (client id {client_id})")


@lti.command(name="rotate-key")
@click.pass_obj
def rotate_key(obj):
    """Make a new key pair for the tool; the old key stays published for 7 days (platforms cache
    a tool's key set), then it is dropped."""
    from exgen.lti.keys import RETIRED_KEPT, rotate

    with database(obj) as session:
        kid, retired = rotate(session)
    click.echo(f"new signing key {kid}" + (f"; retired {', '.join(retired)} (published for "
                                             f"{RETIRED_KEPT.days} more days)" if retired else ""))


@lti.command()
@click.pass_obj
def keys(obj):
    """The tool's keys (ids and dates; never the private keys)."""
    from exgen.lti.keys import list_keys

    with database(obj, create=False) as session:
        rows = [(k.kid, k.created_at, k.retired_at) for k in list_keys(session)]
    if not rows:
        click.echo("no keys yet (one is made on first use, or with exgen lti rotate-key)")
    for kid, created, retired in rows:
        click.echo(f"{kid}  made {shown_time(created)}  " + (f"retired {shown_time(retired)}" if retired else "signing"))


def _contexts(session, name: str):
    from sqlalchemy import select

    from exgen.storage.models import LtiContext
    from exgen.storage.records import find_assignment

    assignment = find_assignment(session, name)
    return assignment, list(session.scalars(select(LtiContext).where(LtiContext.assignment_id == assignment.id)
                                            .order_by(LtiContext.id)))


@lti.command()
@click.argument("name")
@click.pass_obj
def roster(obj, name):
    """Read the class list of every course NAME is linked in (LTI Names and Role Provisioning):
    learners are matched to the roster (SIS id, then LMS user id) or added with their variants,
    and linked to their LMS accounts so their scores go back."""
    from exgen.lti import LtiError
    from exgen.lti.outcomes import sync_roster
    from exgen.lti.platform_api import PlatformError

    failed = False
    with database(obj, create=False) as session:
        assignment, contexts = _contexts(session, name)
        if not contexts:
            raise InputError(f"lti roster: {name} is not linked in any course yet (launch it once from the course)")
        for context in contexts:
            where = context.title or context.context_id
            try:
                with session.begin_nested():
                    summary = sync_roster(session, context, assignment)
            except (LtiError, PlatformError) as e:
                click.echo(f"{where}: {e}", err=True)
                failed = True
                continue
            for sid, why in summary.refused:
                click.echo(f"{where}: {sid}: {why}", err=True)
            click.echo(f"{where}: " + summary.line(name))
    if failed:
        raise SystemExit(1)


@lti.command()
@click.argument("name")
@click.pass_obj
def sync(obj, name):
    """Post every kept score of NAME to the gradebooks it is linked to, now (also scores the
    platform has: after a change in the LMS, or when earlier posts failed)."""
    from exgen.lti.outcomes import resend, send_pending

    with database(obj, create=False) as session:
        assignment, _ = _contexts(session, name)
        rows = resend(session, assignment.id)
        assignment_id = assignment.id
    if not rows:
        click.echo(f"lti: no student of {name} is linked to a gradebook yet")
        return
    summary = send_pending(obj["database_url"], assignment_id)
    for sid, error in summary.errors:
        click.echo(f"{sid}: {error}", err=True)
    click.echo(summary.line())
    if summary.failed:
        raise SystemExit(1)


def send_marked(obj) -> None:
    """After ``exgen grade`` or ``regrade`` committed: post the kept scores they changed (a
    failure is kept for a retry and does not change the command's exit status)."""
    from exgen.lti.outcomes import send_pending

    summary = send_pending(obj["database_url"])
    if summary.sent or summary.failed:
        click.echo(summary.line(), err=True)
