import datetime as dt
from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone

from .models import ApiToken

_TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/",
    "/static/",
    "/i18n/",
    "/manifest.webmanifest",
    "/sw.js",
    "/healthz",
)


class ApiTokenMiddleware:
    """`Authorization: Bearer rk_…` on /api/ acts as the token's user. Tokens are not
    cookies, so CSRF does not apply to them; everything else about the user does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if request.path.startswith("/api/") and header.startswith("Bearer "):
            raw = header.removeprefix("Bearer ").strip()
            token = (
                ApiToken.objects.usable()
                .select_related("user")
                .filter(digest=ApiToken.digest_of(raw))
                .first()
            )
            if token is None or not token.user.is_active:
                return JsonResponse({"error": "invalid or expired token"}, status=401)
            now = timezone.now()
            if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
                token.last_used_at = now
                token.save(update_fields=["last_used_at"])
            request.user = token.user
            request.api_token = token
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A user whose role needs two-factor reaches nothing but the sign-in pages until a
    TOTP code has been verified in this session (enrolling first if they have no device)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and request.api_token is None
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES)
        ):
            has_device = user.totpdevice_set.filter(confirmed=True).exists()
            target = reverse(
                "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"error": "two-factor verification required"}, status=403)
            response = HttpResponseRedirect(
                f"{target}?{urlencode({'next': request.get_full_path()})}"
            )
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = target
            return response
        return self.get_response(request)
