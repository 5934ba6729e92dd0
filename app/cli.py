"""``flask`` commands: users, seed data, the job worker, a test mail, the OpenAPI document."""

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
            verified=True,  # the operator vouches for the address
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

    if if_empty and count_users() > 0:
        click.echo("Data exists already: not seeding.")
        return
    created = seed.seed_demo()
    from app.demo import seed_demo_content

    seed_demo_content()
    if created:
        click.echo(f"Demo accounts ready. Sign in as {seed.DEMO_LOGIN} / {seed.DEMO_PASSWORD}")
    if user_count or post_count:
        _seed_world(user_count, post_count, random_seed)
    from app.feeds.jobs import refresh_trending

    # Trending is ranked by a periodic job; rank the seeded posts now, so the tab is not empty
    # until the worker's first minute.
    refresh_trending()


def _seed_world(user_count: int, post_count: int, random_seed: int) -> None:
    from app import seed
    from app.seeding import BENCH_READER, seed_world

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


@click.command("worker")
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    help="Jobs run at once (default WORKER_THREADS, 8).",
)
@click.option("--no-scheduler", is_flag=True, help="Run jobs only; another worker schedules.")
@with_appcontext
def worker_command(threads: int | None, no_scheduler: bool) -> None:
    """Run background jobs from Redis, and the periodic jobs' scheduler, until stopped."""
    import glob
    import os
    import signal
    import threading

    from flask import current_app

    from app.jobs import backend, registry
    from app.jobs.redisqueue import RedisBackend
    from app.observability.metrics import MULTIPROC_ENV, serve_metrics

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = backend(app)
    if not isinstance(queue, RedisBackend):
        raise click.ClickException(
            "There is no queue to work on: without REDIS_URL, jobs run in the web process."
        )
    metrics_dir = os.environ.get(MULTIPROC_ENV)
    if metrics_dir:
        # A folder of the worker's own (never gunicorn's: each would count the other's
        # files): what an earlier run left there would add to this run's counters.
        for stale in glob.glob(os.path.join(metrics_dir, "*.db")):
            if not stale.endswith(f"_{os.getpid()}.db"):  # this process's are open already
                os.remove(stale)
    port = app.config.get("WORKER_METRICS_PORT") or 0
    if port:
        host = app.config["WORKER_METRICS_HOST"]
        try:
            server = serve_metrics(app, host, port)
        except OSError as error:
            raise click.ClickException(
                f"Cannot serve metrics on {host}:{port} ({error.strerror}): set "
                "WORKER_METRICS_PORT to a free port for each worker of a host, or 0."
            ) from error
        click.echo(f"Metrics: http://{server.server_address[0]}:{server.server_port}/metrics")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threads = threads or app.config["WORKER_THREADS"]
    periodic = [f"{j.name} ({j.schedule})" for j in registry().values() if j.schedule]
    click.echo(
        f"Worker: {threads} threads on {len(registry())} jobs; scheduler "
        + ("off" if no_scheduler else "on: " + ", ".join(periodic))
    )
    queue.work(stop, threads=threads, scheduler=not no_scheduler)
    click.echo("Worker stopped.")


@click.command("send-test-mail")
@click.argument("address")
@click.option("--now", is_flag=True, help="Send from this process, not through the queue.")
@with_appcontext
def send_test_mail_command(address: str, now: bool) -> None:
    """Send a test mail to ADDRESS with the MAIL_* settings, to check them."""
    import socket

    from flask import current_app

    from app.extensions import db
    from app.mail import build_message, public_url, send_mail
    from app.timeutil import utcnow

    config = current_app.config
    context = {"sent_at": utcnow().strftime("%Y-%m-%d %H:%M UTC"), "host": socket.gethostname()}
    where = config["MAIL_BACKEND"]
    if where == "smtp":
        where = f"SMTP {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    elif where == "app.mail.eml":
        where = f".eml files in {config['MAIL_FILE_PATH']}"
    if config["JOBS_BACKEND"] == "redis" and not now:
        try:
            send_mail(to=address, template="test", context=context)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Queued for {address}: a worker sends it through {where} (see its log).")
        return
    # No worker to wait for (or --now): send from here, so that an error shows at once.
    try:
        build_message(
            to=address,
            template="test",
            context=context,
            locale=config["BABEL_DEFAULT_LOCALE"],
            base_url=public_url(),
        ).send()
    except Exception as error:
        raise click.ClickException(f"Sending through {where} failed: {error!r}") from error
    click.echo(f"Sent to {address} through {where}.")


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
    app.cli.add_command(worker_command)
    app.cli.add_command(send_test_mail_command)
    app.cli.add_command(openapi_command)
