"""``flask users``: facilitator and admin accounts."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from deliberation.clock import utcnow
from deliberation.db import session_scope
from deliberation.errors import DomainError
from deliberation.models import Role
from deliberation.services import accounts, audit
from deliberation.views.auth import set_password_url

group = AppGroup("users", help="Facilitator and admin accounts.")


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.FACILITATOR.value)
@click.password_option(help="Prompted (twice) when not given.")
def create(email: str, role: str, password: str) -> None:
    """Create an account for EMAIL with ROLE; the password is stored hashed."""
    with session_scope() as session:
        try:
            user = accounts.create_user(session, email=email, password=password, role=Role(role))
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@group.command("reset-password")
@click.argument("email")
def reset_password(email: str) -> None:
    """Clear the password of EMAIL's account, sign it out everywhere, and print a one-time
    link (on PALABRE_PUBLIC_URL) to set a new one."""
    hours = current_app.config["ACCOUNT_LINK_HOURS"]
    with session_scope() as session:
        try:
            user = accounts.account_by_email(session, email)
            issued = accounts.reset_password(
                session, actor=audit.SYSTEM, user=user, now=utcnow(), ttl=timedelta(hours=hours)
            )
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        session.commit()
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        link = set_password_url(issued)
    click.echo(
        f"One-time link for {issued.user.email}, valid until "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    click.echo(link)
