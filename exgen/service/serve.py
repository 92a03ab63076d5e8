"""Running the application on uvicorn: one process or ``--workers N`` (uvicorn's supervisor
starts them; each builds the app from the environment), and one line on stdout once the server
answers: ``exgen: serving on http://HOST:PORT``."""

from __future__ import annotations

import copy
import http.client
import os
import socket
import sys
import threading
import time

from exgen.service.config import ServiceConfig

def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def log_config(access_log: bool) -> dict:
    """uvicorn's logging, with students' link tokens cut out of the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "exgen.service.protection.RedactTokens"}
    config["handlers"]["access"]["filters"] = ["redact"]
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"  # stdout is for the one line
    if not access_log:
        config["loggers"]["uvicorn.access"]["level"] = "WARNING"
    return config


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _announce_when_ready(host: str, port: int, stop: threading.Event) -> None:
    """Print the line once /healthz answers (the workers accept connections)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    while not stop.is_set():
        try:
            connection = http.client.HTTPConnection(target, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                print(f"exgen: serving on {_url(host, port)}", flush=True)
                return
        except OSError:
            pass
        time.sleep(0.05)


def serve(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          access_log: bool = True) -> None:
    import uvicorn

    from exgen.storage.session import engine_for

    engine_for(config.database_url)  # migrate once, before any worker starts
    if port == 0:
        port = free_port(host)
    if not config.base_url:
        config = ServiceConfig(**{**config.__dict__, "base_url": _url(host, port)})
    os.environ.update(config.to_environment())  # what the worker processes build their app from
    stop = threading.Event()
    threading.Thread(target=_announce_when_ready, args=(host, port, stop), daemon=True).start()
    try:
        uvicorn.run("exgen.service.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_config=log_config(access_log), access_log=access_log,
                    proxy_headers=True, server_header=False)
    finally:
        stop.set()
