"""The site's URLs and error handlers, plus a page that fails: the 500 page is the site's
own handler, reached as a failing page reaches it."""

from django.urls import path

from renraku import urls as site


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", fails), *site.urlpatterns]
handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
