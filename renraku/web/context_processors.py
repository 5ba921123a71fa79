from django.conf import settings

from renraku.accounts import permissions


def ward(request):
    user = getattr(request, "user", None)
    return {
        "ward_name": settings.WARD_NAME,
        "can_import": permissions.can_import_directory(user),
        "can_read_audit": permissions.can_read_audit(user),
        "can_administer": permissions.can_administer(user),
        "can_compose": permissions.can_compose(user),
        "can_follow_alerts": permissions.can_follow_alerts(user),
    }
