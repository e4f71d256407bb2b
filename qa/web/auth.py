"""The one login check (``NEWSQA_AUTH=user:password``, or several: ``user:pw,user2:pw2``), shared by the REST API and the
Gradio UI so both refuse the same way."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBasic


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def credentials_ok(settings: Any, user: str, password: str) -> bool:
    """True when no login is set, or these are one user's credentials. Compared as UTF-8
    bytes in constant time (``compare_digest`` refuses non-ASCII str), both parts
    always, so timing reveals neither."""
    logins = getattr(settings, "logins", None)
    if logins is None:  # a settings-like object with only ``login``
        logins = [settings.login] if settings.login else []
    if not logins:
        return True
    ok = False
    for want_user, want_password in logins:  # every login checked, so timing does not tell which matched
        ok_user = secrets.compare_digest(_bytes(user), _bytes(want_user))
        ok_password = secrets.compare_digest(_bytes(password), _bytes(want_password))
        ok |= ok_user and ok_password
    return ok


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic ...`` header, decoded as UTF-8
    (browsers send non-ASCII passwords so); None when absent or malformed."""
    scheme, _, param = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(param.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        return None
    return (user, password) if sep else None


class _Basic(HTTPBasic):
    """FastAPI's HTTP Basic scheme (so /docs offers to log in), reading the header as
    UTF-8 where FastAPI's own refuses anything but ASCII."""

    async def __call__(self, request: Request) -> tuple[str, str] | None:  # type: ignore[override]
        return basic_credentials(request.headers.get("authorization"))


def login_dependency(settings: Any):
    """A FastAPI dependency that answers 401 (with a Basic challenge) unless the
    request carries the login: give it to ``FastAPI(dependencies=[...])`` or to
    ``include_router(..., dependencies=[...])``."""
    basic = _Basic(auto_error=False, scheme_name="HTTPBasic")

    def require_login(creds: tuple[str, str] | None = Depends(basic)) -> None:
        if creds is None or not credentials_ok(settings, *creds):
            raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Basic"})

    return require_login


def gradio_auth(settings: Any):
    """The ``auth`` argument for Gradio: the same check, or None when no login is set."""
    if settings.login is None:
        return None
    return lambda user, password: credentials_ok(settings, user, password)
