"""Put what the app reads at run time into the wheel, under app/_shipped/ (app/paths.py)."""

from __future__ import annotations

import glob
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


# The pages' and mails' catalogs (app/i18n.py): their .po files are committed, their .mo files
# are compiled from them (git-ignored, so hatch would leave them out: they are added here).
TRANSLATIONS = os.path.join("app", "translations")


def compile_catalogs(root: str, *, only_stale: bool = False) -> list[str]:
    """Compile every catalog's .po into the .mo beside it (as `make translations`); list them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    pattern = os.path.join(root, TRANSLATIONS, "*", "LC_MESSAGES", "messages.po")
    for po_path in sorted(glob.glob(pattern)):
        mo_path = po_path[: -len(".po")] + ".mo"
        compiled.append(mo_path)
        if only_stale and (
            os.path.isfile(mo_path) and os.path.getmtime(mo_path) >= os.path.getmtime(po_path)
        ):
            continue
        locale = po_path.split(os.sep)[-3]
        with open(po_path, "rb") as source:
            catalog = read_po(source, locale=locale)
        with open(mo_path, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
    return compiled


class ShipFiles(BuildHookInterface):
    """Copy templates, static files, migrations, the SPA's build and the catalogs into a wheel."""

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
        for mo_path in compile_catalogs(self.root):
            inside = os.path.relpath(mo_path, self.root).replace(os.sep, "/")
            build_data["force_include"][mo_path] = inside
