"""The HTTP API: app factory, routers, websocket stream and event hub (docs/api.md)."""
