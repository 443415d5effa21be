"""Which resource of the route table a method and path reach, matched as API Gateway matches them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from infra.routes import Route

__all__ = ["RouteMatch", "RouteTable"]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    resource: str
    path_parameters: dict[str, str]
    route: Route | None  # None: the path exists but not for this method
    methods: tuple[str, ...]


class RouteTable:
    """API Gateway's matching: `{param}` is one segment, `{param+}` the rest of the path, and of
    several resources that match, the one with literal segments earliest wins."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._resources: dict[str, list[Route]] = {}
        for route in routes:
            self._resources.setdefault(route.path, []).append(route)
        self._patterns = {resource: _compile(resource) for resource in self._resources}

    def match(self, method: str, path: str) -> RouteMatch | None:
        if len(path) > 1:
            path = path.rstrip("/")
        candidates = [
            (_specificity(resource), resource, found.groupdict())
            for resource, pattern in self._patterns.items()
            if (found := pattern.fullmatch(path)) is not None
        ]
        if not candidates:
            return None
        _, resource, parameters = min(candidates)
        routes = self._resources[resource]
        route = next((r for r in routes if r.method in (method, "ANY")), None)
        return RouteMatch(resource, parameters, route, tuple(r.method for r in routes))


def _compile(resource: str) -> re.Pattern[str]:
    pattern = ""
    for segment in resource.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            pattern += f"/(?P<{segment[1:-2]}>.+)"
        elif segment.startswith("{") and segment.endswith("}"):
            pattern += f"/(?P<{segment[1:-1]}>[^/]+)"
        else:
            pattern += "/" + re.escape(segment)
    return re.compile(pattern or "/")


def _specificity(resource: str) -> tuple[int, ...]:
    return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in resource.strip("/").split("/"))
