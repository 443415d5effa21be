"""The files the gateway serves itself: the widget's build, at /widget, and the operators' app, at /app
as CloudFront serves it: compressed (brotli or gzip, as the browser accepts; CloudFront's own
compression in AWS), revalidated on every load, with the security headers."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope
from starlette_compress import CompressMiddleware

from infra.functions import ROOT
from infra.security_headers import PAGE_HEADERS

__all__ = ["DASHBOARD_DIR", "DASHBOARD_PATH", "WIDGET_DIR", "NoCacheStaticFiles", "SinglePageApp", "compressed"]

# What visitors download is the minified build of widget/*.js (`make widget`: widget/build.mjs), never
# the readable sources; the demo page is copied there with it.
WIDGET_DIR = ROOT / "widget" / "dist"
# The operators' app, built by `npm run build` in dashboard/; served at /app as CloudFront serves it.
DASHBOARD_DIR = ROOT / "dashboard" / "dist"
DASHBOARD_PATH = "/app"


class NoCacheStaticFiles(StaticFiles):
    """The widget's files, revalidated on every load so that an edit shows on the next refresh, with
    the security headers CloudFront adds in AWS (infra.security_headers). The widget's demo page is
    the laptop's alone (AWS does not serve it) and runs an inline script, which the CSP would refuse:
    it gets the other headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        for name, value in PAGE_HEADERS.items():
            if name == "Content-Security-Policy" and self._is_demo_page(path):
                continue
            response.headers[name] = value
        return response

    def _is_demo_page(self, path: str) -> bool:
        return not isinstance(self, SinglePageApp) and path.endswith(".html")


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


def compressed(files: ASGIApp) -> ASGIApp:
    """Static files as CloudFront sends them: brotli, else gzip, as the request's Accept-Encoding allows,
    for every text type (JavaScript, CSS, HTML, JSON, SVG; images and fonts are compressed already), with
    `Vary: Accept-Encoding`. Not Zstandard, which CloudFront does not send either. Brotli at quality 5
    and gzip at 6: each answer is compressed afresh, and 11 would take ~0.3 s for the dashboard's largest
    chunk on this machine for some 8 % fewer bytes. Bodies under 500 bytes go as they are."""
    return CompressMiddleware(files, zstd=False, brotli_quality=5, gzip_level=6)
