"""The real web app (``qa.web.server.create_app``: REST, /v1, /mcp, Gradio) served by
uvicorn on a loopback port inside the test process, so a test can share the loaded
embedding model and store with it. ``tests.helpers.start_app`` starts it as a process."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from tests.helpers import free_port


@contextlib.contextmanager
def serve_app(assistant, settings=None) -> Iterator[str]:
    """Yield the app's base URL while it serves; stop it (lifespan shutdown included) after."""
    import uvicorn

    from qa.web.server import create_app

    app = create_app(assistant, settings or assistant.settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(15)
