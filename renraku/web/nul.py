"""Refuse a request carrying a NUL character (%00) in its path, its query or a JSON body.

No name, code, number or text a person types contains NUL, and PostgreSQL refuses a string
that does ("A string literal cannot contain NUL"): a crafted URL such as
/mobilise/3/posts/S%00/ would otherwise be a 500 on PostgreSQL and a silent miss on SQLite.
One check here, before any view, instead of one in every view that reads a code from its
path or its query: the 400 page, nothing read, nothing changed. Forms are left to their
own validation, which names the field and keeps what the person typed."""

from django.http import JsonResponse

from .errors import bad_request


def _has_nul(values) -> bool:
    return any(
        "\x00" in value
        for _key, items in values.lists()
        for value in items
        if isinstance(value, str)
    ) or any("\x00" in key for key in values)


def _carries_nul(request) -> bool:
    if "\x00" in request.path_info or _has_nul(request.GET):
        return True
    if request.method == "POST" and request.content_type == "application/json":
        return b"\\u0000" in request.body or b"\x00" in request.body
    return False


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            if request.content_type == "application/json":  # an API client reads JSON
                return JsonResponse({"error": "a NUL character is not accepted"}, status=400)
            return bad_request(request)
        return self.get_response(request)
