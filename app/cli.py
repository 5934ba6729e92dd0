"""``flask`` commands: create users, seed data, print the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
@click.option("--display-name", default="", help="The name shown beside the username.")
@with_appcontext
def create_user_command(
    username: str, role: str, email: str | None, password: str | None, display_name: str
) -> None:
    """Create an account with a role."""
    from app.accounts import services

    if not email:
        email = click.prompt("Email")
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.register_user(
            username=username,
            email=email or "",
            password=password or "",
            role=role,
            display_name=display_name,
        )
    except DomainError as error:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        raise click.ClickException(f"{error.message} {details}".strip()) from error
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")


@contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], object]]:
    """Show a progress bar for one stage of the seed."""
    with click.progressbar(length=total, label=label.ljust(8)) as bar:
        yield bar.update


@click.command("seed")
@click.option("--users", "user_count", type=click.IntRange(0), default=0, help="Extra users.")
@click.option(
    "--posts", "post_count", type=click.IntRange(0), default=0, help="Extra posts (by any user)."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
@click.option("--seed", "random_seed", type=int, default=42, show_default=True)
@with_appcontext
def seed_command(user_count: int, post_count: int, if_empty: bool, random_seed: int) -> None:
    """Load the demo data set; with --users/--posts, add generated people and activity."""
    from app import seed
    from app.accounts.queries import count_users
    from app.seeding import BENCH_READER, seed_world

    if if_empty and count_users() > 0:
        click.echo("Data exists already: not seeding.")
        return
    created = seed.seed_demo()
    from app.demo import seed_demo_content

    seed_demo_content()
    if created:
        click.echo(f"Demo accounts ready. Sign in as {seed.DEMO_LOGIN} / {seed.DEMO_PASSWORD}")
    if not (user_count or post_count):
        return
    try:
        report = seed_world(
            users=user_count, posts=post_count, random_seed=random_seed, progress=_bar
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    rows = ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    click.echo(f"Seeded in {report.seconds:.1f} s: {rows}.")
    if user_count:
        click.echo(f"Bench reader: {BENCH_READER} / {seed.DEMO_PASSWORD}")


@click.command("openapi")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the document to this file instead of printing it.",
)
@with_appcontext
def openapi_command(output: str | None) -> None:
    """Print the API's OpenAPI document (what /api/v1/openapi.json serves), keys sorted."""
    from app.api.openapi import document

    # Sorted and indented, so that the SPA's committed copy reads well in a diff.
    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(text)


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(openapi_command)
