"""Fetch news pages by URL and turn them into Articles.

A URL may come from someone on the other side of the web app, so fetching is guarded:
only http/https; the host is resolved once, every address it resolves to must be public
(loopback, private, link-local, cloud-metadata, multicast and reserved addresses are
refused unless allowed by settings), and the connection goes to the address that was
checked (the request is sent to the IP literal with the original Host header and TLS
server name, so DNS cannot answer differently the second time). Redirects are followed
by hand, up to a limit, and every hop is checked the same way. Bodies are read in
streaming up to a size cap, with one deadline for the whole URL, and only HTML and
plain text (or, for feeds, XML) are accepted.

Every failure is a ``FetchError`` whose message is one line a user understands
("404 Not Found", "not an article: application/pdf", "timed out after 20 s",
"page too large: 31 MB > 10 MB"); a batch of URLs reports each failure and goes on.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit, urlunsplit

from .article import Article, canonical_url
from .loaders import Failure, Loaded, LoadError, article_from_record, decode, parse_text
from .settings import Settings

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
PAGE_TYPES = HTML_TYPES | TEXT_TYPES
FEED_TYPES = (
    frozenset(
        {
            "application/rss+xml",
            "application/atom+xml",
            "application/rdf+xml",
            "application/xml",
            "text/xml",
            "application/feed+xml",
            "application/x-rss+xml",
        }
    )
    | HTML_TYPES
    | TEXT_TYPES
)  # many servers label feeds text/html or text/plain
ROBOTS_TYPES = frozenset({"text/plain"}) | HTML_TYPES

_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}


class FetchError(LoadError):
    """One URL that could not be fetched or read, or that is refused; the message is the
    one-line reason. Like any LoadError it becomes a ``Failure`` in the report."""


@dataclass
class Page:
    """A fetched response: ``url`` is where it was finally found (after redirects)."""

    url: str
    status: int  # 200, or 304 when a conditional request found nothing new
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Policy:
    """Which addresses may be fetched: public ones always; private ones only when
    ``allow_private`` (the CLI's default) or inside ``allow_nets``."""

    allow_private: bool = False
    allow_nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, allow_private: bool | None = None) -> Policy:
        if allow_private is None:
            allow_private = bool(settings.fetch_allow_private)
        nets = []
        for part in settings.fetch_allow_nets.split(","):
            if part.strip():
                nets.append(ipaddress.ip_network(part.strip(), strict=False))
        return cls(allow_private, tuple(nets))

    def refusal(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        """Why this address may not be fetched, or None."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if self.allow_private or any(ip in net for net in self.allow_nets):
            return None
        if ip.is_loopback:
            kind = "loopback"
        elif ip.is_link_local:
            kind = "link-local (cloud metadata)"
        elif ip.is_multicast:
            kind = "multicast"
        elif ip.is_unspecified:
            kind = "unspecified"
        elif ip.is_private:
            kind = "private"
        elif ip.is_reserved or not ip.is_global:
            kind = "reserved"
        else:
            return None
        return f"refused: {ip} is a {kind} address"


def _mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 2**20:.1f} MB"


def _seconds(t: float) -> str:
    return f"{t:g} s"


def _content_type(value: str) -> tuple[str, str | None]:
    msg = Message()
    msg["content-type"] = value or "application/octet-stream"
    return msg.get_content_type().lower(), msg.get_param("charset")  # type: ignore[return-value]


class Fetcher:
    """One HTTP client for many URLs (thread-safe), with a per-host limit on requests at once."""

    def __init__(self, settings: Settings, policy: Policy, transport=None):
        import httpx

        self.settings = settings
        self.policy = policy
        t = settings.fetch_timeout
        self.client = httpx.Client(
            timeout=httpx.Timeout(t, connect=t),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={
                "User-Agent": settings.fetch_user_agent,
                "Accept": "text/html,application/xhtml+xml,"
                "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
            },
        )
        self._hosts: dict[str, threading.Semaphore] = {}
        self._hosts_lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _host_slot(self, host: str) -> threading.Semaphore:
        with self._hosts_lock:
            sem = self._hosts.get(host)
            if sem is None:
                sem = self._hosts[host] = threading.Semaphore(self.settings.fetch_per_host)
            return sem

    # -- address checks ----------------------------------------------------------
    def resolve(self, host: str, port: int) -> str:
        """The one address this host will be reached at, after checking every address
        it resolves to (a name that also resolves to a private address is refused)."""
        if host.lower().rstrip(".") in _METADATA_HOSTS and not self.policy.allow_private:
            raise FetchError(f"refused: {host} is a cloud metadata host")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}") from None
        addrs = list(dict.fromkeys(info[4][0] for info in infos))
        if not addrs:
            raise FetchError(f"cannot resolve {host}")
        for a in addrs:
            reason = self.policy.refusal(ipaddress.ip_address(a.split("%")[0]))
            if reason:
                raise FetchError(reason)
        v4 = [a for a in addrs if ":" not in a]
        return (v4 or addrs)[0]

    @staticmethod
    def check_url(url: str) -> tuple[str, str, int]:
        """(scheme, host, port) of a URL we may fetch; FetchError otherwise."""
        if not isinstance(url, str) or not url.strip():
            raise FetchError("empty URL")
        if len(url) > 4096:
            raise FetchError("URL is longer than 4,096 characters")
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"only http and https URLs are fetched, not {scheme or 'a URL without a scheme'}")
        if parts.username or parts.password:
            raise FetchError("URLs with a user name or password are not fetched")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FetchError("bad port in the URL") from None
        if not host:
            raise FetchError("the URL has no host")
        return scheme, host, port or (443 if scheme == "https" else 80)

    # -- fetching ----------------------------------------------------------------
    def get(
        self,
        url: str,
        accept: frozenset[str] = PAGE_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
        what: str = "an article",
    ) -> Page:
        """GET with redirects followed by hand (each hop checked), a deadline for the
        whole URL and a size cap read in streaming. Conditional when etag or
        last_modified are given (a 304 comes back as ``Page(status=304)``)."""
        import httpx

        s = self.settings
        deadline = time.monotonic() + s.fetch_timeout
        cap = s.fetch_max_bytes
        current = url.strip()
        for _hop in range(s.fetch_max_redirects + 1):
            scheme, host, port = self.check_url(current)
            ip = self.resolve(host, port)
            parts = urlsplit(current)
            ip_host = f"[{ip}]" if ":" in ip else ip
            default_port = port == (443 if scheme == "https" else 80)
            pinned = urlunsplit(
                (scheme, ip_host if default_port else f"{ip_host}:{port}", parts.path or "/", parts.query, "")
            )
            host_header = f"[{host}]" if ":" in host else host
            headers = {"Host": host_header if default_port else f"{host_header}:{port}"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            ext = {"sni_hostname": host} if scheme == "https" else {}
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError(f"timed out after {_seconds(s.fetch_timeout)}")
            ext["timeout"] = {"connect": remaining, "read": remaining, "write": remaining, "pool": remaining}
            try:
                with self._host_slot(host):
                    req = self.client.build_request("GET", pinned, headers=headers, extensions=ext)
                    resp = self.client.send(req, stream=True)
                    try:
                        if resp.status_code in (301, 302, 303, 307, 308):
                            location = resp.headers.get("location")
                            if not location:
                                raise FetchError(f"{resp.status_code} redirect without a Location")
                            current = urljoin(current, location.strip())
                            continue
                        if resp.status_code == 304 and (etag or last_modified):
                            return Page(
                                current,
                                304,
                                etag=resp.headers.get("etag") or etag,
                                last_modified=resp.headers.get("last-modified") or last_modified,
                            )
                        if resp.status_code != 200:
                            raise FetchError(f"{resp.status_code} {resp.reason_phrase or 'error'}".strip())
                        ctype, charset = _content_type(resp.headers.get("content-type", ""))
                        if ctype not in accept:
                            raise FetchError(f"not {what}: {ctype}")
                        declared = resp.headers.get("content-length", "")
                        if declared.isdigit() and int(declared) > cap:
                            raise FetchError(f"page too large: {_mb(int(declared))} > {_mb(cap)}")
                        chunks, size = [], 0
                        for chunk in resp.iter_bytes():
                            size += len(chunk)
                            if size > cap:
                                raise FetchError(f"page too large: more than {_mb(cap)}")
                            if time.monotonic() > deadline:
                                raise FetchError(f"timed out after {_seconds(s.fetch_timeout)}")
                            chunks.append(chunk)
                        return Page(
                            current,
                            200,
                            ctype,
                            charset,
                            b"".join(chunks),
                            resp.headers.get("etag"),
                            resp.headers.get("last-modified"),
                        )
                    finally:
                        resp.close()
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {_seconds(s.fetch_timeout)}") from None
            except httpx.TooManyRedirects:  # pragma: no cover - redirects are followed by hand
                raise FetchError("too many redirects") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}".splitlines()[0][:200]) from None
        raise FetchError(f"more than {s.fetch_max_redirects} redirects")


# -- robots.txt -------------------------------------------------------------------
class Robots:
    """robots.txt per site, fetched once per poll through the same guarded fetcher
    (RFC 9309: a missing file allows everything; an unreachable one, nothing)."""

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher
        self._cache: dict[str, object] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        from urllib.robotparser import RobotFileParser

        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            parser = self._cache.get(origin)
        if parser is None:
            parser = RobotFileParser()
            try:
                page = self.fetcher.get(origin + "/robots.txt", ROBOTS_TYPES, what="a robots.txt")
                parser.parse(page.body.decode("utf-8", "replace").splitlines())
            except FetchError as exc:
                code = str(exc).split(" ", 1)[0]
                if code.isdigit() and 400 <= int(code) < 500:
                    parser.allow_all = True
                elif str(exc).startswith("not a robots.txt"):
                    parser.allow_all = True
                else:
                    parser.disallow_all = True
            with self._lock:
                self._cache[origin] = parser
        agent = self.fetcher.settings.fetch_user_agent.split("/", 1)[0]
        return parser.can_fetch(agent, url)  # type: ignore[attr-defined]


# -- extraction -------------------------------------------------------------------
def _same_site(a: str, b: str) -> bool:
    """A page may name its own canonical URL, not another site's article (which it
    would then overwrite): hosts must match, ignoring www., m. and amp. prefixes."""

    def bare(u: str) -> str:
        h = (urlsplit(u).hostname or "").lower()
        for p in ("www.", "m.", "amp."):
            h = h.removeprefix(p)
        return h

    return bool(bare(a)) and bare(a) == bare(b)


def clean_url(url: str) -> str:
    """The URL an article is stored under: tracking parameters and the fragment
    dropped (so ``?utm_source=feed`` and the plain link are one article, one version)."""
    from urllib.parse import parse_qsl, urlencode

    from .article import _TRACKING

    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def article_from_page(page: Page, fallback: dict | None = None) -> Article:
    """Title, body, outlet, author and date of a fetched page (trafilatura; htmldate
    when trafilatura finds no date). ``fallback`` fills what the page lacks (a feed
    entry's title, date, author and the feed's name)."""
    fallback = fallback or {}
    host = urlsplit(page.url).hostname or ""
    if page.content_type in TEXT_TYPES:
        try:
            text = page.body.decode(page.charset) if page.charset else decode(page.body)
        except (LookupError, UnicodeDecodeError):
            text = decode(page.body)
        record = {
            "url": clean_url(page.url),
            "source": fallback.get("source") or host,
            **{k: v for k, v in fallback.items() if k in ("published_at", "author")},
        }
        art = parse_text(text, page.url, record)
        return art
    import trafilatura

    html: str | bytes = page.body
    if page.charset:
        try:
            html = page.body.decode(page.charset)
        except (LookupError, UnicodeDecodeError):
            html = page.body  # trafilatura guesses from the bytes and <meta charset>
    try:
        doc = trafilatura.bare_extraction(
            html, url=page.url, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
        )
    except Exception as exc:  # lxml raises many types on odd markup
        raise LoadError(f"could not extract an article from the page ({type(exc).__name__})") from None
    data = (doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)) if doc is not None else {}
    body = data.get("text") or ""
    if not body.strip():
        raise LoadError("no article text found on the page")
    date = data.get("date")
    if not date:
        try:
            from htmldate import find_date

            date = find_date(html, url=page.url, original_date=True, outputformat="%Y-%m-%d")
        except Exception:  # a date is nice to have, never a reason to fail
            date = None
    canonical = data.get("url") or ""
    url = canonical if canonical.startswith(("http://", "https://")) and _same_site(canonical, page.url) else page.url
    url = clean_url(url)
    return article_from_record(
        {
            "title": data.get("title") or fallback.get("title"),
            "body": body,
            "source": data.get("sitename") or fallback.get("source") or host,
            "url": url,
            "published_at": date or fallback.get("published_at"),
            "author": data.get("author") or fallback.get("author"),
            "category": data.get("categories"),
        },
        page.url,
    )


def fetch_article(fetcher: Fetcher, url: str, fallback: dict | None = None) -> Article:
    """One URL to one Article; FetchError or LoadError with the one-line reason."""
    page = fetcher.get(url, PAGE_TYPES)
    return article_from_page(page, fallback)


def fetch_articles(
    urls: Sequence[str], settings: Settings, allow_private: bool | None = None, fetcher: Fetcher | None = None
) -> Loaded:
    """Many URLs at once (``fetch_workers`` in all, ``fetch_per_host`` per host); each
    failure is one line in ``failures``, and the others still come back as articles,
    in the order given."""
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings, Policy.from_settings(settings, allow_private))
    out = Loaded()
    try:
        unique = list(dict.fromkeys(u.strip() for u in urls if isinstance(u, str) and u.strip()))
        for u in urls:
            if not isinstance(u, str) or not u.strip():
                out.failures.append(Failure(str(u)[:200], "empty URL"))

        def one(u: str) -> Article | Failure:
            try:
                return fetch_article(fetcher, u)
            except (FetchError, LoadError) as exc:
                return Failure(u, str(exc))
            except Exception as exc:  # a bug on one odd page must not lose the others
                return Failure(u, f"could not read the page: {type(exc).__name__}: {exc}".splitlines()[0][:200])

        with ThreadPoolExecutor(max_workers=min(settings.fetch_workers, max(1, len(unique)))) as pool:
            for res in pool.map(one, unique):
                (out.failures if isinstance(res, Failure) else out.articles).append(res)
    finally:
        if own:
            fetcher.close()
    return out


def is_url(text: str) -> bool:
    """Whether a command-line argument names a URL rather than a path."""
    return isinstance(text, str) and text.strip().lower().startswith(("http://", "https://"))


def split_inputs(items: Iterable[str]) -> tuple[list[str], list[str]]:
    """(paths, urls) from a mixed list, each in the order given."""
    paths, urls = [], []
    for it in items:
        if is_url(str(it)):
            urls.append(str(it).strip())
        else:
            paths.append(it)
    return paths, urls


__all__ = [
    "FEED_TYPES",
    "FetchError",
    "Fetcher",
    "PAGE_TYPES",
    "Page",
    "Policy",
    "Robots",
    "article_from_page",
    "canonical_url",
    "fetch_article",
    "fetch_articles",
    "is_url",
    "split_inputs",
]
