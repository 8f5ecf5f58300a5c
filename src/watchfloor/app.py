"""The FastAPI application: each capability's router, the error handlers and health checks."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp

from watchfloor import __version__, logs
from watchfloor.admin.pages import router as admin_pages
from watchfloor.audit.api import router as audit_router
from watchfloor.auth.api import router as auth_router
from watchfloor.auth.pages import router as auth_pages
from watchfloor.auth.view_pages import router as view_pages
from watchfloor.cases.api import router as cases_router
from watchfloor.cases.evidence_pages import router as evidence_pages
from watchfloor.cases.hold_pages import router as hold_pages
from watchfloor.cases.pages import router as case_pages
from watchfloor.compliance.appeals.api import router as appeals_router
from watchfloor.compliance.appeals.pages import router as appeal_pages
from watchfloor.compliance.clocks.api import router as obligations_router
from watchfloor.compliance.clocks.pages import router as legal_pages
from watchfloor.compliance.ncmec.api import router as ncmec_router
from watchfloor.compliance.requests.api import router as legal_requests_router
from watchfloor.compliance.requests.pages import router as legal_request_pages
from watchfloor.compliance.retention.api import router as retention_router
from watchfloor.compliance.retention.pages import router as retention_pages
from watchfloor.compliance.statements.api import router as statements_router
from watchfloor.compliance.statements.pages import router as statement_pages
from watchfloor.compliance.transparency.api import router as transparency_router
from watchfloor.compliance.transparency.pages import router as transparency_pages
from watchfloor.http_errors import RequestGuard, install
from watchfloor.incidents.api import router as incidents_router
from watchfloor.incidents.pages import router as incident_pages
from watchfloor.insights.api import router as insights_router
from watchfloor.insights.pages import router as insights_pages
from watchfloor.insights.report_pages import router as report_pages
from watchfloor.intake.api import router as intake_router
from watchfloor.metrics import router as metrics_router
from watchfloor.notify.api import router as webhooks_router
from watchfloor.oncall.api import router as oncall_router
from watchfloor.oncall.feed_api import router as feed_router
from watchfloor.oncall.handoff_api import router as handoff_router
from watchfloor.oncall.pages import router as oncall_pages
from watchfloor.quality.api import router as quality_router
from watchfloor.quality.calibration_api import router as calibration_router
from watchfloor.quality.calibration_pages import router as calibration_pages
from watchfloor.quality.pages import router as quality_pages
from watchfloor.queues.api import next_router
from watchfloor.queues.api import router as queues_router
from watchfloor.queues.pages import router as floor_pages
from watchfloor.runtime import Runtime, settle_heap
from watchfloor.settings import get_settings
from watchfloor.triage.classifiers import language
from watchfloor.triage.hashes.api import router as hash_lists_router
from watchfloor.triage.linking.api import router as linking_router
from watchfloor.web import console

log = logging.getLogger("watchfloor.health")


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside the error handling Starlette puts outermost, so that the log line of an
        # unhandled error, and its 500, carry the request's id too.
        return logs.RequestIds(super().build_middleware_stack())


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """An app bound to ``runtime`` (built from the environment when not given)."""
    runtime = runtime or Runtime.create(get_settings())
    logs.install()
    app = _App(
        title="Watchfloor",
        version=__version__,
        summary="Intake, triage, queues, cases, decisions and audit for safety response teams.",
        # The bundled docs pages load scripts from a CDN; the console must work offline.
        docs_url=None,
        redoc_url=None,
        # FastAPI's OpenTelemetry spans cost ~0.6 ms a request even with no exporter: opt in.
        telemetry={
            "tracing": runtime.settings.telemetry,
            "metrics": runtime.settings.telemetry,
            "logs": runtime.settings.telemetry,
            "operation_spans": runtime.settings.telemetry,
        },
    )
    app.state.runtime = runtime
    install(app, html=console.error_page, is_html=console.is_console_path)
    for router in (
        intake_router,
        cases_router,
        queues_router,
        next_router,
        auth_router,
        audit_router,
        webhooks_router,
        hash_lists_router,
        linking_router,
        handoff_router,
        oncall_router,
        feed_router,
        incidents_router,
        quality_router,
        calibration_router,
        insights_router,
        obligations_router,
        statements_router,
        transparency_router,
        ncmec_router,
        appeals_router,
        legal_requests_router,
        retention_router,
        # The console: server-rendered pages for people, beside the API.
        floor_pages,
        auth_pages,
        case_pages,
        evidence_pages,
        hold_pages,
        oncall_pages,
        admin_pages,
        view_pages,
        incident_pages,
        quality_pages,
        calibration_pages,
        insights_pages,
        report_pages,
        legal_pages,
        statement_pages,
        transparency_pages,
        appeal_pages,
        legal_request_pages,
        retention_pages,
        metrics_router,
    ):
        app.include_router(router)
    app.mount("/static", console.Static(directory=console.HERE / "static"), name="static")

    @app.get("/healthz", tags=["health"], responses={503: {"description": "Database unreachable"}})
    def healthz() -> JSONResponse:
        """Up (200) or down (503: the database cannot be reached), for load balancers; needs no
        token, so it says nothing else. How far behind the work is, is on /metrics."""
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
            # The error names hosts, users and databases: for the operator's log, not the caller.
            log.error("health check: database unreachable: %s", exc)
            return JSONResponse({"status": "unavailable"}, 503)
        return JSONResponse({"status": "ok"})

    app.add_middleware(RequestGuard, limit=runtime.settings.max_request_bytes)
    return app


def serve_app() -> FastAPI:
    """The app as ``watchfloor serve`` runs it in each web process: built, then settled (see
    ``runtime.settle_heap``) before its first request, with the language model loaded so the
    first report does not wait for it."""
    app = create_app()
    language.warm()
    settle_heap()
    return app
