"""The application: :func:`create_app` wires routes, error handlers and middleware to a
:class:`~exgen.service.config.ServiceConfig`. ``exgen serve`` runs it on uvicorn; tests use it
through httpx; worker processes build it with :func:`app_from_environment`."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from importlib.resources import files

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from exgen import __version__
from exgen.service import dashboard, errors, jobs, lti, student, teacher
from exgen.service.config import ServiceConfig
from exgen.service.protection import BodyLimit, RateLimit, SecurityHeaders
from exgen.service.schemas import Health

#: Fonts the pages use when the reader's device lacks them (Debian's DejaVu: the worksheets'
#: own fonts, with every mathematical letter, sub- and superscript the formulas need).
FONTS = {
    "DejaVuSerif.ttf": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "DejaVuMathTeXGyre.ttf": "/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf",
}


class Service:
    """What routes share: the configuration and database sessions."""

    def __init__(self, config: ServiceConfig):
        from exgen.jobs.files import store_for

        self.config = config
        self.store = store_for(config.database_url, config.files or None)
        self._jobs = None

    @property
    def jobs(self):
        """Where long jobs run: the broker's workers, or this process's pool (made on first use)."""
        if self._jobs is None:
            from exgen.jobs.dispatch import dispatcher_for

            self._jobs = dispatcher_for(self.config.database_url, self.store, self.config.broker_url or None)
        return self._jobs

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None

    def session(self):
        """A session committed as one transaction when the block ends (or rolled back)."""
        from exgen.storage.session import session_scope

        return session_scope(self.config.database_url)

    def base_url(self, request: Request) -> str:
        """The public address for links: ``--base-url``, else the address this request came to."""
        return (self.config.base_url or str(request.base_url)).rstrip("/")

    def secure_cookies(self, request: Request) -> bool:
        return request.url.scheme == "https" or self.config.base_url.startswith("https:")


def static_dir() -> str:
    return str(files("exgen.service") / "static")


def create_app(config: ServiceConfig) -> FastAPI:
    service = Service(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool

        from exgen.storage.session import engine_for

        await run_in_threadpool(engine_for, config.database_url)  # migrate before the first request
        # Requests that reach the database run in worker threads, at most as many at once as
        # the engine's pool has connections (5 + 10 overflow): more threads would only wait for
        # a connection and contend for the interpreter lock.
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
        if not config.broker_url:
            service.jobs.resume()  # jobs a stopped service process left queued are taken over
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="exgen",
        version=__version__,
        description="Students hand in their own backpropagation exercise and get feedback; teachers "
                    "grade, export and download (design §9). Every error is JSON {\"error\": \"...\"}.",
        docs_url=None,  # the interactive docs load scripts from a CDN: /openapi.json only
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    errors.install(app)
    errors.describe_errors(app)

    @app.get("/healthz", response_model=Health, summary="The server answers")
    async def healthz():
        return {"status": "ok"}

    @app.get("/static/fonts/{name}", include_in_schema=False)
    async def font(name: str):
        path = FONTS.get(name)
        if path is None or not os.path.exists(path):
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})

    @app.get("/", include_in_schema=False)
    async def root():
        from fastapi.responses import RedirectResponse

        return RedirectResponse("/dashboard", status_code=303)

    app.include_router(student.router)
    app.include_router(teacher.router)
    app.include_router(jobs.router)
    app.include_router(dashboard.router)
    app.include_router(lti.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    # the last added runs first: headers on every answer, then the address limit, then sizes
    app.add_middleware(BodyLimit, student_limit=config.max_student_body, upload_limit=config.max_upload)
    app.add_middleware(RateLimit, per_minute=config.address_limit)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The application of a worker process started by ``exgen serve --workers N``."""
    from exgen.processes import die_with_parent

    die_with_parent()
    return create_app(ServiceConfig.from_environment())
