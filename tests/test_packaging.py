"""Where the app finds its files: the checkout, a wheel's app/_shipped/, INSTANCE_PATH."""

from __future__ import annotations

import os
from pathlib import Path

from app import paths

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_reads_its_files_beside_the_package():
    assert not paths.is_installed()
    assert paths.resource("templates") == str(ROOT / "templates")
    assert paths.resource("static") == str(ROOT / "static")
    assert paths.resource("migrations") == str(ROOT / "migrations")
    assert paths.resource("spa") == str(ROOT / "frontend-angular" / "dist" / "browser")
    assert (Path(paths.resource("migrations")) / "env.py").is_file()


def test_instance_path_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("INSTANCE_PATH", raising=False)
    assert paths.instance_path() == str(ROOT / "instance")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "data"))
    assert paths.instance_path() == str(tmp_path / "data")


def test_an_installed_app_reads_its_files_inside_the_package(monkeypatch, tmp_path):
    shipped = tmp_path / "_shipped"
    shipped.mkdir()
    monkeypatch.setattr(paths, "SHIPPED", str(shipped))
    monkeypatch.delenv("INSTANCE_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    assert paths.is_installed()
    assert paths.resource("templates") == str(shipped / "templates")
    assert paths.resource("spa") == str(shipped / "spa")
    assert paths.instance_path() == str(tmp_path / "instance")


def test_the_wheel_ships_every_folder_the_app_reads():
    import hatch_build

    assert set(hatch_build.SHIPPED.values()) == set(paths.CHECKOUT_PATHS)
    for source, name in hatch_build.SHIPPED.items():
        assert source == os.path.join(*paths.CHECKOUT_PATHS[name])
