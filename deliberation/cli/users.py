"""``flask users``: facilitator and admin accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from deliberation.db import session_scope
from deliberation.errors import DomainError
from deliberation.models import Role
from deliberation.services.accounts import create_user

group = AppGroup("users", help="Facilitator and admin accounts.")


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.FACILITATOR.value)
@click.password_option(help="Prompted (twice) when not given.")
def create(email: str, role: str, password: str) -> None:
    """Create an account for EMAIL with ROLE; the password is stored hashed."""
    with session_scope() as session:
        try:
            user = create_user(session, email=email, password=password, role=Role(role))
            session.commit()
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
    click.echo(f"Created {user.role} {user.email}.")
