"""The files the gateway serves itself: the widget's, at /widget, and the operators' app, at /app
as CloudFront serves it."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from infra.functions import ROOT

__all__ = ["DASHBOARD_DIR", "DASHBOARD_PATH", "WIDGET_DIR", "NoCacheStaticFiles", "SinglePageApp"]

WIDGET_DIR = ROOT / "widget"
# The operators' app, built by `npm run build` in dashboard/; served at /app as CloudFront serves it.
DASHBOARD_DIR = ROOT / "dashboard" / "dist"
DASHBOARD_PATH = "/app"


class NoCacheStaticFiles(StaticFiles):
    """The widget's files, revalidated on every load so that an edit shows on the next refresh."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        return response


class SinglePageApp(NoCacheStaticFiles):
    """The dashboard's build: its files, and index.html for any other path under /app, so that a
    deep link (/app/es/conversations/…) or a reload opens the app, which routes in the browser."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in path.rsplit("/", 1)[-1]:
                raise  # a missing asset stays a 404
            return await super().get_response("index.html", scope)
