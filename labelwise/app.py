"""create_app(settings): the FastAPI application with the API under /api/v1 and the web UI at /."""

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from labelwise import __version__
from labelwise.api import (
    annotations,
    auth,
    batches,
    contract,
    docs,
    duplicates,
    errors,
    exports,
    forecasts,
    imports,
    label_errors,
    media,
    ml_backends,
    model_versions,
    pilots,
    projects,
    quality,
    reviews,
    schema,
    snapshots,
    sso,
    tasks,
    users,
    weak,
    webhooks,
    worker_links,
)
from labelwise.api import jobs as jobs_api
from labelwise.api.guards import BodyLimit, SameOrigin
from labelwise.core.job_kinds import default_handlers
from labelwise.core.labeling import answer_hooks
from labelwise.core.media.signing import load_secret
from labelwise.core.platform.job_runner import JobRunner
from labelwise.core.webhooks.delivery import WebhookDispatcher
from labelwise.settings import Settings
from labelwise.storage import make_storage
from labelwise.store.session import make_engine, make_session_factory

WEB_DIR = Path(__file__).parent / "web"
API_PREFIX = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner = dispatcher = None
        if settings.run_jobs_in_server:
            runner = JobRunner(app.state.session_factory, handlers=default_handlers(), settings=settings,
                               storage=app.state.storage)
            runner.start()
            dispatcher = WebhookDispatcher(app.state.session_factory, settings=settings)
            dispatcher.start()
        app.state.job_runner = runner
        app.state.webhook_dispatcher = dispatcher
        # consensus, dynamic overlap and gold standing of answers, off their write transactions
        followups = None if answer_hooks.synchronous else answer_hooks.FollowupRunner(app.state.session_factory)
        if followups is not None:
            followups.start()
        yield
        if followups is not None:
            followups.stop()
        app.state.job_runner = app.state.webhook_dispatcher = None
        if runner is not None:
            runner.stop()
        if dispatcher is not None:
            dispatcher.stop()
        engine.dispose()

    app = FastAPI(
        title="labelwise",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.storage = make_storage(settings)
    app.state.media_secret = load_secret(settings)  # shared by all processes: from settings or <data_dir>
    app.state.job_runner = None  # the lifespan starts one when settings.run_jobs_in_server
    app.state.webhook_dispatcher = None  # likewise
    errors.install(app)
    app.middleware("http")(_security_headers)
    # Outermost, so they act before routing, authentication and any body read.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       exempt=[API_PREFIX + imports.UPLOAD_PATH, API_PREFIX + media.UPLOAD_PATH])
    app.add_middleware(SameOrigin, trusted_origins=settings.trusted_origins)
    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, sso, users, projects, tasks, imports, annotations, reviews, exports, snapshots, schema, quality):
        api.include_router(module.router)
    for module in (media, duplicates, jobs_api, ml_backends, weak, model_versions, label_errors, batches, webhooks,
                   worker_links, forecasts, pilots):
        api.include_router(module.router)
    api.add_api_route("/health", _health, methods=["GET"], tags=["meta"])
    app.include_router(api)
    contract.install(app, API_PREFIX)
    docs.install(app, API_PREFIX)
    _mount_web(app)
    return app


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: http: https:; "
    "media-src 'self' data: blob: http: https:; connect-src 'self'; form-action 'self'"
)


async def _security_headers(request, call_next):
    """Task content is rendered as text; the policy is a second wall should any of it become markup."""
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def app_from_env() -> FastAPI:
    """The app as configured by LABELWISE_* variables: what each `serve --workers N` process builds."""
    return create_app(Settings())


def _health() -> dict:
    return {"status": "ok", "version": __version__}


def _mount_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    index = WEB_DIR / "index.html"

    work = WEB_DIR / "labeling" / "work.html"

    @app.get("/w/{token}", include_in_schema=False)
    def worker_page(token: str) -> FileResponse:
        # Marketplaces show the task inside their own page, so this one page may be framed.
        policy = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")
        return FileResponse(work, headers={"Cache-Control": "no-cache", "Content-Security-Policy": policy})

    @app.get("/", include_in_schema=False)
    @app.get("/app/{path:path}", include_in_schema=False)
    def web_index(path: str = "") -> FileResponse:
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
