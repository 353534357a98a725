import time

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose English with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language, so an officer whose
    browser is set to English would get an English portal by surprise; here only the explicit
    choice (the language cookie) counts."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


REFRESHED_KEY = "_refreshed_at"


class SessionIdleRefreshMiddleware:
    """The idle timeout without a write per request: a signed-in session is saved (which
    pushes its expiry to SESSION_COOKIE_AGE from now) when it was last refreshed more than
    SESSION_REFRESH_SECONDS ago; a GET within that window reads the session and writes
    nothing. Runs inside SessionMiddleware, so the save happens there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response
        if not session.get("_auth_user_id"):
            return response
        now = int(time.time())
        if now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = now
        return response
