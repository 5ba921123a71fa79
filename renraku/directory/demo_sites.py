"""Addresses for the demo ward's sites: the answer page of a call-up shows a post's address
and a map link, so every demo site needs one. Real 世田谷区 町名 with a plausible
丁目-番-号, made from the site's code so that every seed gives the same ones. The office
addresses are the real ones; the rest are invented (no building is where it says)."""

import zlib

PREFIX = "東京都世田谷区"
HEAD_OFFICE = "世田谷4-21-27"
# The 総合支所 (and their 健康づくり課), by the branch a site is named after.
BRANCH_OFFICES = {
    "世田谷": "世田谷4-22-33",
    "北沢": "北沢2-8-18",
    "玉川": "等々力3-4-1",
    "砧": "成城6-2-1",
    "烏山": "南烏山6-22-14",
}
# 町名 and how many 丁目 it has.
TOWNS = {
    "池尻": 4,
    "三宿": 2,
    "太子堂": 5,
    "三軒茶屋": 2,
    "若林": 5,
    "世田谷": 4,
    "桜": 3,
    "弦巻": 5,
    "上馬": 5,
    "下馬": 6,
    "野沢": 4,
    "駒沢": 5,
    "代沢": 5,
    "北沢": 5,
    "代田": 6,
    "大原": 2,
    "羽根木": 2,
    "松原": 6,
    "赤堤": 5,
    "梅丘": 3,
    "豪徳寺": 2,
    "宮坂": 3,
    "経堂": 5,
    "桜丘": 5,
    "桜上水": 5,
    "上北沢": 5,
    "八幡山": 3,
    "粕谷": 4,
    "上祖師谷": 7,
    "給田": 5,
    "南烏山": 6,
    "北烏山": 9,
    "千歳台": 6,
    "船橋": 7,
    "祖師谷": 6,
    "成城": 9,
    "砧": 8,
    "喜多見": 9,
    "宇奈根": 3,
    "鎌田": 4,
    "岡本": 3,
    "大蔵": 6,
    "桜新町": 2,
    "新町": 3,
    "用賀": 4,
    "上用賀": 6,
    "深沢": 8,
    "中町": 5,
    "上野毛": 4,
    "野毛": 3,
    "玉川": 4,
    "瀬田": 5,
    "玉堤": 2,
    "尾山台": 3,
    "等々力": 8,
    "奥沢": 8,
    "東玉川": 2,
    "玉川田園調布": 2,
}
# A site named after a neighbourhood, station or school district that is not itself a
# 町名 stands in the town around it.
TOWN_OF_PLACE = {
    "上町": "世田谷",
    "新代田": "代田",
    "松沢": "松原",
    "九品仏": "奥沢",
    "二子玉川": "玉川",
    "烏山": "南烏山",
    "下北沢": "北沢",
    "池之上": "代沢",
    "芦花": "粕谷",
    "千歳": "船橋",
    "若葉": "北烏山",
    "希望丘": "船橋",
    "明正": "喜多見",
    "山崎": "梅丘",
    "守山": "北沢",
    "旭": "上祖師谷",
    "多聞": "三宿",
    "京西": "玉川田園調布",
    "烏山北": "北烏山",
    "武蔵丘": "船橋",
    "松丘": "宮坂",
    "塚戸": "千歳台",
    "桜町": "上用賀",
}


def addresses(planned) -> dict[str, str]:
    """Site code → demo address, for (code, name, kind, place) as
    directory.demo_org.planned_sites gives them: no two invented ones alike."""
    out, taken = {}, set()
    for code, name, kind, place in planned:
        address, bump = address_of(code, kind, name, place), 0
        while address in taken and not _is_office(kind):
            bump += 1
            address = address_of(code, kind, name, place, bump=bump)
        taken.add(address)
        out[code] = address
    return out


def _is_office(kind: str) -> bool:
    return kind in ("head_office", "branch_office", "health_center")


def address_of(code: str, kind: str, name: str, place: str, *, bump: int = 0) -> str:
    """The demo address of one planned site; `bump` moves it along the street."""
    if kind == "head_office":
        return PREFIX + HEAD_OFFICE
    for branch, office in BRANCH_OFFICES.items():
        if name.startswith(branch) and kind in ("branch_office", "health_center"):
            return PREFIX + office
    town = TOWN_OF_PLACE.get(place, place)
    # A stable spread from the code (hash() changes from run to run).
    n = zlib.crc32(code.encode())
    chome = 1 + n % TOWNS[town]
    ban = 1 + (n // 16) % 35
    go = 1 + (n // 1024 + bump) % 28
    return f"{PREFIX}{town}{chome}-{ban}-{go}"
