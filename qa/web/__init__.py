"""The web doors of newsqa, one FastAPI app in one process.

    server.py   create_app() (FastAPI + routers + Gradio at /), start-up, the app.json
                lock, main() for `python app.py` and serve() for `newsqa serve`
    api.py      the REST API under /api (a router; request and response models in models.py)
    ui.py       the Gradio UI: one function per tab, listed in TABS
    format.py   HTML for the sources panel and chat messages (everything from articles escaped)
    auth.py     the one login check (REST dependency and Gradio login)
    remote.py   the client the CLI uses when a running app owns the data directory
    openai.py   the OpenAI-compatible chat door under /v1 (models, chat completions)
    mcp.py      the Model Context Protocol server: /mcp in the app, stdio for `newsqa mcp`

Nothing here is imported by ``qa`` itself, and heavy libraries (FastAPI, Gradio,
uvicorn) are imported inside functions, so `newsqa --help` stays instant.
"""
