"""Say which device a sign-in came from, readably, from its User-Agent header."""

from __future__ import annotations

import re

from flask_babel import gettext as _

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", iOS browsers
# say "Safari" too.
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(OPR|Opera)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS|Chromium)/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
SYSTEMS = (
    ("iOS", re.compile(r"\b(iPhone|iPad|iPod)\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)
RAW_MAX = 60  # characters of an unknown user agent shown as it is


def describe_device(user_agent: str | None) -> str:
    """Return "Firefox on Linux" for a known browser, else the agent itself, shortened."""
    agent = (user_agent or "").strip()
    if not agent:
        return _("Unknown device")
    browser = next((name for name, pattern in BROWSERS if pattern.search(agent)), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or (system and agent.startswith("Mozilla/")):
        return browser or _("A browser on %(system)s", system=system)
    # Apps and scripts name themselves first ("devthread-cli/1.0", "python-requests/2.32").
    return agent if len(agent) <= RAW_MAX else agent[: RAW_MAX - 1] + "…"
