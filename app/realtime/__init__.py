"""Real-time transport: stored events, the event bus, this process's sockets and presence.

It knows no domain: what an event means and how a socket shows it is the live face's
(``app.live``).
"""
