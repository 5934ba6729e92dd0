"""The live face: the WebSocket ``/ws`` and what it sends (JSON frames or htmx fragments).

It reads the domains through their queries and services; the transport under it
(``app.realtime``: events, bus, hub, presence) knows no domain.
"""
