"""The emulator's aiohttp application: every route, who may call it, and the pipeline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from orgo_async.emulator import (
    policy,
    routes_builds,
    routes_control,
    routes_runs,
    routes_templates,
)
from orgo_async.emulator.app_keys import STATE
from orgo_async.emulator.middleware import Access, add_request_id, pipeline
from orgo_async.emulator.openapi import openapi_document
from orgo_async.emulator.state import EmulatorState

__all__ = ["ROUTES", "create_app"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_VERSION = "/templates/{namespace}/{name}/{version}"
_C = policy.CONTROL_PREFIX

ROUTES: list[tuple[str, str, Handler, Access]] = [
    ("GET", "/template-schema", routes_templates.template_schema, Access.PUBLIC),
    ("GET", "/templates", routes_templates.list_templates, Access.READ),
    ("POST", "/templates", routes_templates.publish, Access.WRITE),
    ("POST", "/templates/validate", routes_templates.validate, Access.READ),
    # Before the {namespace} routes: /templates/global/x/y would also match {ns}/{name}/{ver}.
    ("GET", "/templates/global", routes_templates.curated_list, Access.READ),
    ("GET", "/templates/global/{namespace}/{name}", routes_templates.curated_versions, Access.READ),
    ("POST", "/templates/run", routes_runs.start_test_run, Access.WRITE),
    ("DELETE", "/templates/run", routes_runs.stop_test_run, Access.WRITE),
    ("GET", "/templates/{namespace}/{name}", routes_templates.list_versions, Access.READ),
    ("GET", _VERSION, routes_templates.get_version, Access.READ),
    ("DELETE", _VERSION, routes_templates.delete_version, Access.WRITE),
    ("POST", _VERSION + "/build", routes_builds.start_build, Access.WRITE),
    ("GET", _VERSION + "/build", routes_builds.build_status, Access.READ),
    ("DELETE", _VERSION + "/build", routes_builds.cancel_build, Access.WRITE),
    ("GET", _VERSION + "/build/events", routes_builds.build_events, Access.READ),
    ("GET", _C + "/faults", routes_control.get_faults, Access.CONTROL),
    ("PUT", _C + "/faults", routes_control.update_faults, Access.CONTROL),
    ("DELETE", _C + "/faults", routes_control.clear_faults, Access.CONTROL),
    ("POST", _C + "/inject", routes_control.inject, Access.CONTROL),
    ("POST", _C + "/streams/cut", routes_control.cut_streams, Access.CONTROL),
    ("GET", _C + "/stats", routes_control.get_stats, Access.CONTROL),
    ("POST", _C + "/reset", routes_control.reset, Access.CONTROL),
]
"""(method, path below ``/api``, handler, access) for every route the emulator serves."""


async def _openapi(request: web.Request) -> web.Response:
    body = openapi_document(request.app[STATE].schema)
    return web.Response(body=body, content_type="application/json")


def create_app(state: EmulatorState) -> web.Application:
    """The application serving ``state`` under ``/api``; ``state`` must be entered."""
    routes = [*ROUTES, ("GET", "/openapi.json", _openapi, Access.META)]
    access = {f"{method} {path}": level for method, path, _, level in routes}
    # The pipeline reads bodies itself (with a 413 past the limit), so aiohttp's own
    # limit only has to stay out of the way.
    app = web.Application(
        middlewares=pipeline(state, access), client_max_size=policy.MAX_BODY_BYTES * 2
    )
    app[STATE] = state
    for method, path, handler, _ in routes:
        app.router.add_route(method, policy.API_PREFIX + path, handler)
    app.on_response_prepare.append(add_request_id)
    return app
