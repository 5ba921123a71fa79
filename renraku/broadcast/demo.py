"""The demo ward's saved groups and alert templates (called by `renraku seed-demo`)."""

from renraku.directory.models import Staff

from .models import AlertCategory, Group, ReplyForm, Severity, Template

# Unanswered after 5 minutes: e-mail as well (for those reached by push only); after 15:
# the list of the unanswered to each one's supervisor.
ESCALATION = [
    {"after_minutes": 5, "action": "channel", "channel": "email"},
    {"after_minutes": 15, "action": "supervisor"},
]
GROUPS = {"災害対策本部員": "DUTY", "CSIRT": "CSIRT"}  # group → title its members hold

TEMPLATES = [
    (
        "地震 安否確認（全職員）",
        AlertCategory.EARTHQUAKE,
        Severity.EMERGENCY,
        ReplyForm.SAFETY,
        "【安否確認】地震が発生しました",
        "区内で強い揺れを観測しました。身の安全を確保したうえで、安否と参集の可否を回答してください。",
        {"all": True},
    ),
    (
        "台風接近（災害対策本部員）",
        AlertCategory.WEATHER,
        Severity.WARNING,
        ReplyForm.ACKNOWLEDGE,
        "台風接近に伴う体制について",
        "台風の接近に伴い、災害対策本部員は参集に備えてください。確認したら回答してください。",
        {"groups": ["災害対策本部員"]},
    ),
    (
        "情報セキュリティインシデント（CSIRT）",
        AlertCategory.SECURITY,
        Severity.WARNING,
        ReplyForm.ACKNOWLEDGE,
        "情報セキュリティインシデント対応のお願い",
        "情報セキュリティインシデントが発生しました。CSIRT は対応の準備をしてください。",
        {"groups": ["CSIRT"]},
    ),
    (
        "訓練 安否確認（全職員）",
        AlertCategory.DRILL,
        Severity.INFORMATION,
        ReplyForm.SAFETY,
        "【訓練】安否確認訓練",
        "これは訓練です。安否と参集の可否を回答してください。",
        {"all": True},
    ),
]


def seed_broadcast_demo():
    for name, title_code in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.members.set(Staff.objects.active().filter(titles__code=title_code))
    for name, category, severity, reply, title, body, audience in TEMPLATES:
        Template.objects.update_or_create(
            name=name,
            defaults={
                "category": category,
                "severity": severity,
                "reply_form": reply,
                "title": title,
                "body": body,
                "audience": audience,
                "channels": ["email"],
            },
        )
