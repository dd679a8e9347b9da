"""The built front end at "/" (with SPA fallback), or a note that it is not built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>netcanvas</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>netcanvas</h1><p>The API is running, but the front end is not built.</p>
<p>Build it with <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>
(or run <code>./scripts/serve</code>), then reload. The API lives under
<a href="/api/docs"><code>/api</code></a>.</p></body></html>"""


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Register last: every GET that no API route took. Checked per request, so a front end built
    while the server runs shows up without a restart."""

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    def frontend(path: str) -> FileResponse | HTMLResponse:
        if path == "api" or path.startswith("api/"):
            raise HTTPException(404, f"No API route '/{path}'.")
        root = dist.resolve()
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                return FileResponse(candidate)
        return FileResponse(index)
