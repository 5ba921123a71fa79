"""The pages for 400, 403 (and a failed CSRF check), 404 and 500: Japanese, styled, with a
way back home (renraku/urls.py's handlers, settings.CSRF_FAILURE_VIEW).

They are rendered without the request's context processors: those read the user and the
database, and a 500 may be the database failing. What they need (the ward's name, the
language LocaleMiddleware chose) needs neither."""

from django.conf import settings
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def _page(template: str, status: int) -> HttpResponse:
    body = loader.get_template(template).render({"ward_name": settings.WARD_NAME})
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page("web/400.html", 400)


@requires_csrf_token
def forbidden(request, exception=None):
    return _page("web/403.html", 403)


@requires_csrf_token
def not_found(request, exception=None):
    return _page("web/404.html", 404)


@requires_csrf_token
def server_error(request):
    return _page("web/500.html", 500)


def csrf_failure(request, reason=""):
    return _page("web/403_csrf.html", 403)
