"""One-shot messages after a success ("Recorded: record arrest."), set by the server, never read
from the address: a page that did something answers with a redirect and a flash cookie; the next
full page shows the message once and clears the cookie.

The cookie is signed with the site's secret (itsdangerous) and bound to the signed-in session
(a hash of its token, never the token): a forged cookie, or one copied from another session,
shows nothing. It lives ten minutes at most; it holds no personal data (case numbers, user
names of accounts, words of the interface).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadData, URLSafeTimedSerializer

from .security import PageUser, web_settings

FLASH_COOKIE = "duecourse_flash"
MAX_AGE_SECONDS = 600
_SALT = "duecourse.flash.v1"


@dataclass(frozen=True)
class Flash:
    """What the next page says: a sentence, and a link to the record it is about (optional)."""

    text: str
    href: str = ""
    link_text: str = ""


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web_settings(request).secret_key, salt=_SALT)


def _binding(user: PageUser) -> str:
    """What ties a flash to one session: a hash of its token, salted for this use only."""
    return hashlib.sha256(f"{_SALT}:{user.token}".encode("utf-8", "surrogatepass")).hexdigest()


def set_flash(request: Request, response: Response, user: PageUser, flash: Flash) -> Response:
    """``response`` (a redirect after a success), carrying ``flash`` for the session's next
    page."""
    value = _serializer(request).dumps([_binding(user), flash.text, flash.href, flash.link_text])
    response.set_cookie(FLASH_COOKIE, value, max_age=MAX_AGE_SECONDS, httponly=True,
                        samesite="lax", secure=web_settings(request).secure_cookies)
    return response


def take_flash(request: Request, user: PageUser | None) -> Flash | None:
    """The flash waiting for this session, if its cookie is genuine, recent and this session's
    (the caller clears the cookie, whatever it held)."""
    value = request.cookies.get(FLASH_COOKIE, "")
    if not value or user is None:
        return None
    try:
        data = _serializer(request).loads(value, max_age=MAX_AGE_SECONDS)
    except BadData:
        return None
    if (not isinstance(data, list) or len(data) != 4 or not all(isinstance(d, str) for d in data)
            or data[0] != _binding(user)):
        return None
    href = data[2] if data[2].startswith("/") and not data[2].startswith("//") else ""
    return Flash(data[1], href, data[3])


def has_flash(request: Request) -> bool:
    return FLASH_COOKIE in request.cookies


def clear_flash(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE)
