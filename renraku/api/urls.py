from .views import api

# Included at /api/v1/ (renraku/urls.py); the namespace is the one ninja's docs page
# reverses to find openapi.json.
app_name = api.urls_namespace
urlpatterns = api.urls[0]
