"""Put what the app reads at run time into the wheel, under app/_shipped/ (app/paths.py)."""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Source in the checkout -> name under app/_shipped/; generated ones come from `make assets spa`.
SHIPPED = {
    "templates": "templates",
    "static": "static",
    "migrations": "migrations",
    os.path.join("frontend-angular", "dist", "browser"): "spa",
}
GENERATED = {
    os.path.join("static", "vendor", "htmx.min.js"): "make assets",
    os.path.join("frontend-angular", "dist", "browser", "index.html"): "make spa",
}


class ShipFiles(BuildHookInterface):
    """Copy templates, static files, migrations and the SPA's build into a standard wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add the folders to the wheel, or refuse when a generated one was not built."""
        if version == "editable":
            return  # an editable install reads them from the checkout
        missing = [
            f"{path} (run `{command}`)"
            for path, command in GENERATED.items()
            if not os.path.isfile(os.path.join(self.root, path))
        ]
        if missing:
            raise RuntimeError("The wheel needs files not built yet: " + ", ".join(missing))
        for source, name in SHIPPED.items():
            target = f"app/_shipped/{name}"
            build_data["force_include"][os.path.join(self.root, source)] = target
