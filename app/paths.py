"""Where the app's files live: beside the package in a checkout, inside it when installed."""

from __future__ import annotations

import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))
# A checkout (or an editable install): templates/, static/ and migrations/ beside app/.
CHECKOUT = os.path.dirname(PACKAGE)
# A wheel: hatch_build.py copies them into app/_shipped/ (the SPA's build as spa/).
SHIPPED = os.path.join(PACKAGE, "_shipped")

# In the checkout, by the name each has inside _shipped/.
CHECKOUT_PATHS = {
    "templates": ("templates",),
    "static": ("static",),
    "migrations": ("migrations",),
    "spa": ("frontend-angular", "dist", "browser"),
}


def is_installed() -> bool:
    """Tell whether this is a wheel install (files inside the package), not a checkout."""
    return os.path.isdir(SHIPPED)


def resource(name: str) -> str:
    """Return the folder of ``templates``, ``static``, ``migrations`` or ``spa``."""
    if is_installed():
        return os.path.join(SHIPPED, name)
    return os.path.join(CHECKOUT, *CHECKOUT_PATHS[name])


def instance_path() -> str:
    """Return the instance folder: INSTANCE_PATH, else instance/ of the checkout or of the cwd."""
    configured = os.environ.get("INSTANCE_PATH")
    if configured:
        return os.path.abspath(configured)
    base = os.getcwd() if is_installed() else CHECKOUT
    return os.path.join(base, "instance")
