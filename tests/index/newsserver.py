"""A real HTTP server on loopback for the fetch and feed tests: pages and feeds written
for the tests, redirects, errors, conditional GET (ETag / Last-Modified answered with
304), a page too large, and a socket that never answers."""

from __future__ import annotations

import email.utils
import hashlib
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = False  # answer If-None-Match with 304
    last_modified: str | None = None  # answer If-Modified-Since with 304
    chunked: bool = False  # no Content-Length: the size is only known by reading
    delay: float = 0.0  # seconds before answering (to see how many requests run at once)


class NewsServer:
    """Serves ``routes`` (path -> Resource) and records every request path."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Resource] = {}
        self.hits: list[str] = []
        self.conditional: list[str] = []  # paths answered 304
        self.host_headers: list[str] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                server.hits.append(self.path)
                server.host_headers.append(self.headers.get("Host", ""))
                res = server.routes.get(self.path)
                if res is not None and res.delay:
                    with server._lock:
                        server.active += 1
                        server.max_active = max(server.max_active, server.active)
                    time.sleep(res.delay)
                    with server._lock:
                        server.active -= 1
                if res is None:
                    self._send(404, b"<h1>Not here</h1>", "text/html")
                    return
                etag = '"' + hashlib.sha1(res.body).hexdigest()[:16] + '"'
                if res.etag and self.headers.get("If-None-Match") == etag:
                    server.conditional.append(self.path)
                    self._send(304, b"", None, {"ETag": etag})
                    return
                if res.last_modified and self.headers.get("If-Modified-Since") == res.last_modified:
                    server.conditional.append(self.path)
                    self._send(304, b"", None, {"Last-Modified": res.last_modified})
                    return
                headers = dict(res.headers)
                if res.etag:
                    headers["ETag"] = etag
                if res.last_modified:
                    headers["Last-Modified"] = res.last_modified
                self._send(res.status, res.body, res.content_type, headers, res.chunked)

            def _send(self, status, body, ctype, headers=None, chunked=False):
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for i in range(0, len(body), 65536):
                            part = body[i : i + 65536]
                            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # clients hanging up early are part of the tests
                pass

        self.httpd = Server((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **kw) -> str:
        self.routes[path] = Resource(body.encode() if isinstance(body, str) else body, content_type, **kw)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        self.routes[path] = Resource(b"", "text/html", status, {"Location": to})
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """Accepts connections (the kernel does, from the listen backlog) and never answers."""

    def __init__(self, host: str = "127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.url = f"http://{host}:{self.sock.getsockname()[1]}/story"

    def close(self) -> None:
        self.sock.close()


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    outlet: str = "",
    author: str = "",
    date: str = "",
    canonical: str = "",
    extra_head: str = "",
) -> str:
    """A news page as outlets write them: navigation, the article, a footer."""
    head = [f"<title>{escape(title)}{' | ' + escape(outlet) if outlet else ''}</title>"]
    if outlet:
        head.append(f'<meta property="og:site_name" content="{escape(outlet)}">')
    if author:
        head.append(f'<meta name="author" content="{escape(author)}">')
    if date:
        head.append(f'<meta property="article:published_time" content="{escape(date)}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{escape(canonical)}">')
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{''.join(head)}{extra_head}</head><body>"
        f"<nav><a href='/'>Home</a> | <a href='/world'>World</a> | <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        f"<footer>Copyright {escape(outlet or 'the publisher')}. All rights reserved.</footer></body></html>"
    )


def rss(title: str, items: list[dict], link: str = "http://example.invalid/") -> str:
    """An RSS 2.0 feed; items have title, link, guid, date (RFC 822 or datetime), description, content."""
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        f'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link><description>test feed</description>"
    ]
    for it in items:
        out.append("<item>")
        out.append(f"<title>{escape(it['title'])}</title>")
        if it.get("link"):
            out.append(f"<link>{escape(it['link'])}</link>")
        if it.get("guid"):
            out.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if it.get("date"):
            d = it["date"]
            out.append(f"<pubDate>{d if isinstance(d, str) else email.utils.format_datetime(d)}</pubDate>")
        if it.get("author"):
            out.append(f"<dc:creator>{escape(it['author'])}</dc:creator>")
        if it.get("description"):
            out.append(f"<description>{escape(it['description'])}</description>")
        if it.get("content"):
            out.append(f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>")
        out.append("</item>")
    out.append("</channel></rss>")
    return "".join(out)


def atom(title: str, entries: list[dict]) -> str:
    """An Atom 1.0 feed; entries have title, link, id, updated (ISO), summary, content."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id><updated>2024-03-01T00:00:00Z</updated>"
    ]
    for e in entries:
        out.append("<entry>")
        out.append(f"<title>{escape(e['title'])}</title><id>{escape(e['id'])}</id>")
        if e.get("link"):
            out.append(f'<link rel="alternate" href="{escape(e["link"])}"/>')
        out.append(f"<updated>{e.get('updated', '2024-03-01T00:00:00Z')}</updated>")
        if e.get("author"):
            out.append(f"<author><name>{escape(e['author'])}</name></author>")
        if e.get("summary"):
            out.append(f"<summary>{escape(e['summary'])}</summary>")
        if e.get("content"):
            out.append(f'<content type="html">{escape(e["content"])}</content>')
        out.append("</entry>")
    out.append("</feed>")
    return "".join(out)
