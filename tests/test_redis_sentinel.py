"""REDIS_URL through Sentinel: a real redis-sentinel watching the test Redis (PostgreSQL run).

Every Redis user of the app (its client, the event bus's subscriber, the rate limiter, the job
queue's broker) asks the Sentinel for the primary. The fail-over itself is drilled on a real
primary and replica by `make cluster-test` (deploy/cluster/).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.redisconn import SentinelAddress, parse_sentinel_url, plain_client
from tests.conftest import REDIS_URL

SERVICE = "devthread-test"


def test_sentinel_urls_are_read_or_refused():
    assert parse_sentinel_url("redis://127.0.0.1:6379/0") is None
    assert parse_sentinel_url(
        "redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380,sentinel3/devthread?db=2"
    ) == SentinelAddress(
        [("10.0.0.1", 26379), ("10.0.0.2", 26380), ("sentinel3", 26379)], "devthread", 2, "s3cret"
    )
    for bad in (
        "redis+sentinel://10.0.0.1:26379",
        "redis+sentinel:///devthread",
        "redis+sentinel://h:1/a/b",
        "redis+sentinel://h:port/devthread",
    ):
        with pytest.raises(ValueError):
            parse_sentinel_url(bad)


def test_the_rate_limiter_gets_the_sentinels_and_the_database(tmp_path):
    from app import config as config_module

    config = {
        "REDIS_URL": "redis+sentinel://a:26379,b:26379/devthread?db=3",
        "SECRET_KEY": "s" * 40,
    }
    config_module.finalize(config, str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis+sentinel://a:26379,b:26379/devthread"
    assert config["RATELIMIT_STORAGE_OPTIONS"]["db"] == 3


def test_a_malformed_sentinel_url_is_refused_at_start(tmp_path):
    from app import config as config_module

    config = {"REDIS_URL": "redis+sentinel://h:port/devthread", "SECRET_KEY": "s" * 40}
    with pytest.raises(config_module.ConfigError, match="REDIS_URL"):
        config_module.finalize(config, str(tmp_path))


@pytest.fixture(scope="module")
def sentinel_url(tmp_path_factory):
    """Start redis-sentinel on a free port watching the test Redis; yield a REDIS_URL through it."""
    binary = shutil.which("redis-sentinel")
    assert binary, "redis-sentinel is missing: make test-postgres installs Debian's redis-sentinel"
    target = urlsplit(REDIS_URL)
    folder: Path = tmp_path_factory.mktemp("sentinel")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = folder / "sentinel.conf"
    config.write_text(
        f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {folder}\n"
        "sentinel resolve-hostnames yes\n"
        f"sentinel monitor {SERVICE} {target.hostname} {target.port or 6379} 1\n"
        f"sentinel down-after-milliseconds {SERVICE} 5000\n"
    )
    process = subprocess.Popen(
        [binary, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 10
        url = f"redis+sentinel://127.0.0.1:{port}/{SERVICE}?db={target.path.strip('/') or 0}"
        while True:
            try:
                plain_client(url).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def sentinel_app(app, sentinel_url):
    """An app whose every Redis client goes through the Sentinel."""
    from app import create_app
    from app.extensions import limiter

    # Flask-Limiter has one instance: init_app points its storage at the Sentinel. Put the
    # session app's back afterwards, or later tests would count on a stopped Sentinel.
    kept = dict(vars(limiter))
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": sentinel_url,
            "JOBS_BACKEND": "redis",
            "RATELIMIT_ENABLED": True,
        }
    )
    yield other
    vars(limiter).clear()
    vars(limiter).update(kept)


@pytest.mark.redis_only
def test_clients_find_the_primary_through_the_sentinel(sentinel_app):
    from app.redisconn import get_redis

    key = f"sentinel-test:{uuid.uuid4().hex}"
    with sentinel_app.app_context():
        client = get_redis()
        client.set(key, "through the sentinel", ex=30)
        assert client.get(key) == b"through the sentinel"
        _host, port = client.connection_pool.get_master_address()
        assert port == (urlsplit(REDIS_URL).port or 6379)
        client.delete(key)


@pytest.mark.redis_only
def test_the_event_bus_subscriber_listens_through_the_sentinel(sentinel_url):
    from app.realtime.bus import CHANNEL

    subscriber = plain_client(sentinel_url, socket_timeout=5).pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(CHANNEL)
    try:
        plain_client(sentinel_url).publish(CHANNEL, b'{"probe": 1}')
        deadline = time.monotonic() + 5
        message = None
        while message is None and time.monotonic() < deadline:
            message = subscriber.get_message(timeout=0.5)
        assert message and message["data"] == b'{"probe": 1}'
    finally:
        subscriber.close()


@pytest.mark.redis_only
def test_rate_limits_and_jobs_use_the_sentinel(sentinel_app):
    from app.extensions import limiter
    from app.jobs.redisqueue import RedisBackend

    with sentinel_app.app_context():
        storage = limiter.storage
        assert type(storage).__name__ == "RedisSentinelStorage"
        assert storage.check()
        assert storage.incr(f"sentinel-test:{uuid.uuid4().hex}", 30) == 1
        broker = RedisBackend(sentinel_app).broker()
        assert broker.client.ping()
