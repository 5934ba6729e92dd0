"""``flask`` commands: create users, seed data."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.accounts.models import ROLES
from app.errors import DomainError


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="user", show_default=True)
@click.option("--email", help="Email address (asked for when missing).")
@click.option("--password", help="Password (asked for, hidden, when missing).")
@with_appcontext
def create_user_command(username: str, role: str, email: str | None, password: str | None) -> None:
    """Create an account with a role."""
    from app.accounts import services

    if not email:
        email = click.prompt("Email")
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.register_user(
            username=username, email=email or "", password=password or "", role=role
        )
    except DomainError as error:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from error
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")


@click.command("seed")
@click.option("--users", "user_count", type=click.IntRange(0), default=0, help="Extra users.")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
@click.option("--seed", "random_seed", type=int, default=42, show_default=True)
@with_appcontext
def seed_command(user_count: int, if_empty: bool, random_seed: int) -> None:
    """Load the demo data set (and, with --users, many generated users)."""
    from app import seed
    from app.accounts.queries import count_users

    if if_empty and count_users() > 0:
        click.echo("Data exists already: not seeding.")
        return
    created = seed.seed_demo()
    from app.demo import seed_demo_content

    seed_demo_content()
    if created:
        click.echo(f"Demo accounts ready. Sign in as {seed.DEMO_LOGIN} / {seed.DEMO_PASSWORD}")
    if user_count:
        with click.progressbar(length=user_count, label="Users") as bar:
            seed.seed_users(user_count, random_seed=random_seed, progress=bar.update)


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_command)
