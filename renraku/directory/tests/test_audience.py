import pytest

from renraku.broadcast.models import Group
from renraku.directory import audience
from renraku.directory.models import Rank
from renraku.testing import make_staff


def names(spec):
    return sorted(s.family_name for s in audience.resolve(audience.validate(spec)))


def test_all_staff_means_every_active_person(people):
    assert len(names({"all": True})) == 5  # Mallory has left


def test_selectors_add_up_and_count_each_person_once(people, org):
    org.cio.holders.add(people.alice.staff)
    spec = {"departments": ["KIK"], "titles": ["CIO"], "staff": [people.bob.username]}
    assert names(spec) == ["大野", "江口", "青木", "馬場"]


def test_sites_ranks_sections_domains_and_groups(people, org):
    make_staff(org, family="校務", department=org.gak, site=org.school)
    group = Group.objects.create(name="CSIRT")
    group.members.add(people.dave.staff)
    assert names({"sites": ["S003"]}) == ["校務"]
    assert names({"domains": ["BK"]}) == ["校務"]
    assert names({"sections": ["SOM-02"]}) == ["加藤"]
    assert names({"groups": ["CSIRT"]}) == ["大野"]
    assert names({"ranks": [Rank.CHIEF]}) == ["加藤", "大野", "江口", "馬場"]


def test_unknown_codes_are_named(people):
    with pytest.raises(audience.AudienceError, match=r"departments: NOPE.*sites: S999"):
        audience.validate({"departments": ["SOM", "NOPE"], "sites": ["S999"]})


def test_an_empty_audience_is_refused(people):
    with pytest.raises(audience.AudienceError):
        audience.validate({"departments": []})
    with pytest.raises(audience.AudienceError):
        audience.validate({"everyone": True})


def test_the_command_line_form(people):
    assert audience.parse_cli("all") == {"all": True}
    assert audience.parse_cli("departments=SOM,KIK;ranks=3") == {
        "departments": ["SOM", "KIK"],
        "ranks": ["3"],
    }
