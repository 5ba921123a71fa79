"""The demo ward's call-up (参集): teams, each person's level, post and team, and the
minimum staffing of each post and team at each level.

Modelled on a ward's 地域防災計画: 危機管理部 and the 災害対策本部員 are called first
(警戒配備, about 3 %); the first emergency level adds the directors and part of the
headquarters' and works teams (about 10 %); the second adds most managers and a third or
more of every team (about 35 %); the last calls everyone. 本部班, 情報班 and 広報班 report
to the 災害対策本部 in the main office; 避難所班 to a school (a designated shelter) near
where they work; 救護班 to a health centre or branch office; 応急復旧班 to a works office;
nursery and children's centre staff stay with the children at their own site. Minimums
are a share of those called, so that at level 3 some posts are short if only half come.
"""

import math
import random
import zlib

from . import demo_org as org
from .models import DeploymentLevel, MinimumStaffing, Rank, Site, Staff, Team

# (number, name, what starts it): the levels migration 0004 gives every ward.
LEVELS = [
    (1, "警戒配備", "大雨・洪水・暴風・大雪警報の発表、区内で震度4を観測したとき"),
    (
        2,
        "第1次非常配備",
        "土砂災害警戒情報・記録的短時間大雨情報の発表、区内で局地的な災害が起きたとき",
    ),
    (3, "第2次非常配備", "区内で震度5弱を観測したとき、特別警報の発表、広い範囲で災害が起きたとき"),
    (
        4,
        "全職員配備",
        "区内で震度5強以上を観測したとき（自動参集：呼び出しを待たずに参集する）、"
        "区長が全職員の参集を指示したとき",
    ),
]

# (code, name), in the order the headquarters lists them.
TEAMS = [
    ("HQ", "本部班"),
    ("INFO", "情報班"),
    ("PR", "広報班"),
    ("SHELTER", "避難所班"),
    ("AID", "救護班"),
    ("SUPPLY", "物資班"),
    ("WORKS", "応急復旧班"),
    ("CARE", "施設対応班"),
]

# Team by department; sections named here go elsewhere (広報広聴課 → 広報班).
_TEAM_OF_DEPARTMENT = {
    "SEI": "HQ",
    "SOM": "HQ",
    "KIK": "HQ",
    "CHO": "HQ",
    "DX": "INFO",
    "ZAI": "SUPPLY",
    "KAI": "SUPPLY",
    "KEI": "SUPPLY",
    "SBK": "SUPPLY",
    "SEI2": "WORKS",
    "TOS": "WORKS",
    "BOM": "WORKS",
    "MID": "WORKS",
    "DOR": "WORKS",
    "DOB": "WORKS",
    "KAN2": "WORKS",
    "HOF": "AID",
    "KOR": "AID",
    "SHO": "AID",
    "JSO": "AID",
    "HOK": "AID",
}
_TEAM_OF_SECTION = {"SEI-03": "PR"}
# A branch office's sections: 地域振興課 runs its shelters, 街づくり課 repairs, the health
# and welfare sections run first aid.
_BRANCH_SECTION_TEAM = {"01": "SHELTER", "02": "WORKS", "03": "AID", "04": "AID"}
_BRANCHES = ("BSE", "BKI", "BTA", "BKN", "BKR")
# Share of a team called by level 1, 2 and 3 (of those no rule below calls first):
# the headquarters' first-response staff (初動要員) and road patrols come at 警戒配備.
_SHARE = {
    "HQ": (0.3, 0.6, 0.9),
    "INFO": (0.3, 0.6, 0.9),
    "PR": (0.2, 0.5, 0.8),
    "SHELTER": (0.0, 0.05, 0.4),
    "AID": (0.01, 0.06, 0.35),
    "SUPPLY": (0.0, 0.03, 0.3),
    "WORKS": (0.04, 0.14, 0.45),
    "CARE": (0.0, 0.0, 0.08),
}


def seed_levels() -> None:
    for number, name, started_by in LEVELS:
        DeploymentLevel.objects.update_or_create(
            number=number, defaults={"name": name, "started_by": started_by}
        )


def seed_teams() -> None:
    for order, (code, name) in enumerate(TEAMS):
        Team.objects.update_or_create(code=code, defaults={"name": name, "order": order})


def assign_callup(rng: random.Random, people: list[dict]) -> None:
    """Give each person (a row of the demo's HR file) a call-up level, post and team."""
    sites = list(org.planned_sites())
    kind_of = {code: kind for code, _name, kind, _place in sites}
    head = next(code for code, _n, kind, _p in sites if kind == "head_office")
    schools = [code for code, _n, kind, _p in sites if kind == "school"]
    school_at = {}
    for code, _name, kind, place in sites:
        if kind == "school":
            school_at.setdefault(place, code)
    place_of = {code: place for code, _name, _kind, place in sites}
    health = [code for code, _n, kind, _p in sites if kind == "health_center"]
    branch_offices = [code for code, _n, kind, _p in sites if kind == "branch_office"]
    works = [code for code, _n, kind, _p in sites if kind == "works_office"]

    def near(choices, p):
        """The same choice for everyone working at a small site; those of the main and
        branch offices are spread out (they are sent where they live, 区内在住)."""
        offices = ("head_office", "branch_office")
        key = p["employee_number"] if kind_of[p["site"]] in offices else p["site"]
        return choices[zlib.crc32(key.encode()) % len(choices)]

    for p in people:
        site = p["site"]
        team = _team_of(p, kind_of[site])
        if team in ("HQ", "INFO", "PR", "SUPPLY"):
            post = head
        elif team == "SHELTER":
            post = site if kind_of[site] == "school" else None
            if kind_of[site] not in ("head_office", "branch_office"):  # named for a place
                post = post or school_at.get(place_of[site])
            post = post or near(schools, p)
        elif team == "AID":
            post = site if kind_of[site] == "health_center" else near(health + branch_offices, p)
        elif team == "WORKS":
            post = site if kind_of[site] == "works_office" else near(works, p)
        else:  # CARE: with the children, where they work
            post = site
        p["callup_team"] = team
        p["callup_site"] = post
        p["callup_level"] = _level_of(rng, p, team)


def _team_of(p: dict, site_kind: str) -> str:
    dept, section = p["department"], p["section"]
    if site_kind in ("nursery", "children_center"):
        return "CARE"  # the children in their care come first
    if section in _TEAM_OF_SECTION:
        return _TEAM_OF_SECTION[section]
    if dept in _BRANCHES:
        return _BRANCH_SECTION_TEAM.get(section[-2:], "SHELTER")
    return _TEAM_OF_DEPARTMENT.get(dept, "SHELTER")


def _level_of(rng: random.Random, p: dict, team: str) -> str:
    """The lowest level that calls this person; "" (everyone's level) for most."""
    titles = p["titles"].split(";")
    if p["department"] == "KIK" or "DUTY" in titles or p["position"] in ("MAYOR", "DEPUTY"):
        return "1"
    if p["position"] in ("DIR", "DIR2"):
        return "2"
    by_1, by_2, by_3 = _SHARE[team]
    draw = rng.random()
    if draw < by_1:
        return "1"
    if draw < by_2:
        return "2"
    if draw < by_3 or p["position"] in ("MGR", "MGR2"):
        return "3"
    return ""


def seed_minimums(people: list[dict]) -> None:
    """The minimum each post and team needs at each level: a share (the same for a post
    or team at every level) of those the level calls there."""
    levels = {level.number: level for level in DeploymentLevel.objects.all()}
    if not levels:
        return
    highest = max(levels)
    teams = dict(Team.objects.values_list("code", "pk"))
    sites = dict(Site.objects.values_list("code", "pk"))
    rows = []
    for kind, key in (("site", "callup_site"), ("team", "callup_team")):
        called: dict[tuple[str, int], int] = {}
        for p in people:
            first = int(p["callup_level"]) if p["callup_level"] else highest
            for number in levels:
                if number >= first:
                    called[p[key], number] = called.get((p[key], number), 0) + 1
        for (code, number), count in sorted(called.items()):
            # 0.35–0.75 of those called: above half, the post is short when half come.
            share = 0.35 + (zlib.crc32(f"{kind}{code}".encode()) % 41) / 100
            rows.append(
                MinimumStaffing(
                    level=levels[number],
                    minimum=max(1, math.ceil(count * share)),
                    site_id=sites[code] if kind == "site" else None,
                    team_id=teams[code] if kind == "team" else None,
                )
            )
    # The demo's own figures, made again each time (they follow the number of staff).
    MinimumStaffing.objects.all().delete()
    MinimumStaffing.objects.bulk_create(rows, batch_size=1000)


def seed_site_leads() -> None:
    """Each site's lead (施設責任者, who reports the building in a mobilisation): the most
    senior manager, chief or member of staff working there (directors and above lead the
    office, not a building), else the most senior of those posted there; a hall with
    nobody (区民集会所) is looked after by a community centre's lead."""
    people = (
        Staff.objects.filter(is_active=True, position__rank__gte=Rank.MANAGER)
        .order_by("position__rank", "employee_number")
        .values_list("pk", "site_id", "callup_site_id")
    )
    working, posted = {}, {}
    for pk, site_id, post_id in people:
        working.setdefault(site_id, pk)
        posted.setdefault(post_id, pk)
    sites = list(Site.objects.all())
    for site in sites:
        site.lead_id = working.get(site.pk) or posted.get(site.pk)
    centres = [s.lead_id for s in sites if s.kind == "community_center" and s.lead_id]
    for site in sites:
        if site.lead_id is None and centres:
            site.lead_id = centres[zlib.crc32(site.code.encode()) % len(centres)]
    Site.objects.bulk_update(sites, ["lead"], batch_size=500)
