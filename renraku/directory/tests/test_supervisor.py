from renraku.directory.queries import supervisor_of
from renraku.testing import make_staff


def test_reporting_line_runs_section_then_director_then_deputy_then_mayor(org):
    mayor = make_staff(org, family="区長", position="MAYOR", department=org.som)
    deputy = make_staff(org, family="副区長", position="DEPUTY", department=org.som)
    org.bk.overseen_by = deputy
    org.bk.save(update_fields=["overseen_by"])
    director = make_staff(org, family="部長", position="DIR", department=org.gak)
    manager = make_staff(
        org, family="課長", position="MGR", department=org.gak, section=org.gakumu_ka
    )
    chief = make_staff(
        org, family="係長", position="CHF", department=org.gak, section=org.gakumu_ka
    )
    clerk = make_staff(org, family="主事", department=org.gak, section=org.gakumu_ka)

    assert supervisor_of(clerk) == chief
    assert supervisor_of(chief) == manager
    assert supervisor_of(manager) == director
    assert supervisor_of(director) == deputy
    assert supervisor_of(deputy) == mayor
    assert supervisor_of(mayor) is None


def test_reporting_line_skips_people_who_left(org):
    director = make_staff(org, family="部長", position="DIR", department=org.gak)
    make_staff(
        org,
        family="元課長",
        position="MGR",
        department=org.gak,
        section=org.gakumu_ka,
        is_active=False,
    )
    clerk = make_staff(org, family="主事", department=org.gak, section=org.gakumu_ka)
    assert supervisor_of(clerk) == director
