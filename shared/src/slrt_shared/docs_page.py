"""``/docs``: Swagger UI served from the service itself (the ``swagger-ui-bundle`` package), so the API
documentation works with no internet, under a Content-Security-Policy that admits no other origin."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

ASSETS = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css",
          "favicon-32x32.png": "image/png"}
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                               presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
});
"""


def _page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs/assets/favicon-32x32.png"><link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/init.js"></script>
</body></html>"""


def docs_router(title: str) -> APIRouter:
    from swagger_ui_bundle import swagger_ui_path

    folder = Path(swagger_ui_path)
    router = APIRouter(include_in_schema=False)
    page = _page(title)

    @router.get("/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": POLICY})

    @router.get("/docs/assets/{name}")
    async def asset(name: str) -> Response:
        if name == "init.js":
            return Response(INIT, media_type="application/javascript")
        if name not in ASSETS:
            raise HTTPException(404)
        return FileResponse(folder / name, media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"})

    return router
