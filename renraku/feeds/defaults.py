"""The rules a ward starts with (created by a migration); administrators change them in
the admin afterwards."""

ALL = {"all": True}
DUTY = {"groups": ["災害対策本部員"]}
CHANNELS = ["push", "email", "sms", "voice"]  # those not configured are left out when sending
SOURCE = "\n出典：${source}"

RULES = [
    dict(
        name="震度5弱以上：全職員に安否確認",
        trigger="earthquake",
        min_intensity="5-",
        title="【安否確認】${area}で${intensity}",
        body="${time}ころ、${area}で${intensity}を観測しました。身の安全を確保したうえで、"
        "安否と参集の可否を回答してください。\n${headline}" + SOURCE,
        category="earthquake",
        severity="emergency",
        reply_form="safety",
        audience=ALL,
        escalation=[{"after_minutes": 15, "action": "supervisor"}],
    ),
    dict(
        name="震度4：災害対策本部員に情報",
        trigger="earthquake",
        min_intensity="4",
        max_intensity="4",
        title="${area}で${intensity}",
        body="${time}ころ、${area}で${intensity}を観測しました。災害対策本部員は情報収集に"
        "あたってください。\n${headline}" + SOURCE,
        category="earthquake",
        severity="warning",
        reply_form="acknowledge",
        audience=DUTY,
    ),
    dict(
        name="特別警報：全職員",
        trigger="warning",
        levels="特別警報",
        title="【特別警報】${area}に${warnings}",
        body="${time} ${area}に${warnings}が発表されました。命を守る行動をとり、安否を回答"
        "してください。\n${headline}" + SOURCE,
        category="weather",
        severity="emergency",
        reply_form="safety",
        audience=ALL,
    ),
    dict(
        name="大雨・洪水警報：災害対策本部員",
        trigger="warning",
        levels="警報",
        names="大雨,洪水",
        title="${area}に${warnings}",
        body="${time} ${area}に${warnings}が発表されました。災害対策本部員は参集に備えて"
        "ください。\n${headline}" + SOURCE,
        category="weather",
        severity="warning",
        reply_form="acknowledge",
        audience=DUTY,
    ),
    dict(
        name="竜巻・記録的短時間大雨・土砂災害・津波警報：災害対策本部員",
        trigger="warning",
        levels="情報,警報",
        names="竜巻,記録的短時間大雨,土砂災害,津波警報",
        title="${warnings}（${area}）",
        body="${time} ${area}に関係する${warnings}が発表されました。\n${headline}" + SOURCE,
        category="weather",
        severity="warning",
        reply_form="acknowledge",
        audience=DUTY,
    ),
]


# Volcanoes: off until an administrator turns them on (admin → 自動発信ルール). 噴火警報 naming
# the ward means evacuation there; 降灰予報 naming it means ash (from 富士山, for Setagaya)
# is expected: roads, trains and drains are the duty group's business.
VOLCANO_RULES = [
    dict(
        name="噴火警報（区内）：全職員に安否確認",
        trigger="volcano",
        names="噴火警報,火口周辺警報",
        enabled=False,
        title="【噴火警報】${area}：${warnings}",
        body="${time} ${area}を対象に${warnings}が発表されました。身の安全を確保し、安否を回答"
        "してください。\n${headline}" + SOURCE,
        category="weather",
        severity="emergency",
        reply_form="safety",
        audience=ALL,
    ),
    dict(
        name="降灰予報（区内に降灰）：災害対策本部員",
        trigger="volcano",
        names="降灰",
        enabled=False,
        title="降灰予報：${area}に${warnings}",
        body="${time} 気象庁の降灰予報で、${area}に${warnings}が予想されています。災害対策"
        "本部員は対応に備えてください。\n${headline}" + SOURCE,
        category="weather",
        severity="warning",
        reply_form="acknowledge",
        audience=DUTY,
    ),
]


# Call-ups by deployment level (配備体制, directory.DeploymentLevel): checked before the other
# rules, the highest level first. When one matches a message, the safety-confirmation rules
# ask only those it did not call (its alert asks safety first): one message per person.
# 震度5強 and above is 自動参集: staff set out without waiting to be called.
CALLUP_RULES = [
    dict(
        name="大雨警報：警戒配備（参集）",
        trigger="warning",
        levels="警報",
        names="大雨",
        callup_level=1,
        title="【参集】${level}（${area}に${warnings}）",
    ),
    # 大雨特別警報 (警戒レベル５相当): the 災害対策本部 is set up. Called, not 自動参集: in
    # such rain the way in is itself a danger, so each comes when told.
    dict(
        name="大雨特別警報：第2次非常配備（参集）",
        trigger="warning",
        levels="特別警報",
        names="大雨",
        callup_level=3,
        title="【参集】${level}（${area}に${warnings}）",
    ),
    dict(
        name="震度5弱：第2次非常配備（参集）",
        trigger="earthquake",
        min_intensity="5-",
        max_intensity="5-",
        callup_level=3,
        title="【参集】${level}（${area}で${intensity}）",
    ),
    dict(
        name="震度5強以上：全職員配備（自動参集）",
        trigger="earthquake",
        min_intensity="5+",
        callup_level=4,
        callup_auto=True,
        title="【自動参集】${level}（${area}で${intensity}）",
    ),
]


def create_default_rules(rule_model) -> None:
    for order, fields in enumerate(RULES + VOLCANO_RULES, start=1):
        rule_model.objects.create(order=order * 10, channels=CHANNELS, **fields)


def create_volcano_rules(rule_model) -> None:
    """For a ward whose rules were made before volcanoes were read: added, disabled, unless
    it has a volcano rule already (a new install got them with the others)."""
    if rule_model.objects.filter(trigger="volcano").exists():
        return
    last = rule_model.objects.order_by("-order").values_list("order", flat=True).first() or 0
    for step, fields in enumerate(VOLCANO_RULES, start=1):
        rule_model.objects.create(order=last + step * 10, channels=CHANNELS, **fields)


def add_heavy_rain_emergency_rule(rule_model) -> None:
    """For a ward whose call-up rules were made before 大雨特別警報 had one: added beside
    them, unless a call-up rule for 特別警報 is there already (or the ward has none)."""
    callups = rule_model.objects.filter(callup_level__isnull=False)
    if not callups.exists() or callups.filter(levels__contains="特別警報").exists():
        return
    fields = next(r for r in CALLUP_RULES if r.get("levels") == "特別警報")
    rule_model.objects.create(order=1, channels=CHANNELS, **fields)


def create_callup_rules(rule_model) -> None:
    """The call-up rules, first in the order, unless the ward has one already."""
    if rule_model.objects.filter(callup_level__isnull=False).exists():
        return
    for order, fields in enumerate(CALLUP_RULES, start=1):
        rule_model.objects.create(order=order, channels=CHANNELS, **fields)
