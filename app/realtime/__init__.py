"""Real time: the event bus, stored events, presence and the WebSocket."""
