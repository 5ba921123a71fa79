import pytest
from django.urls import reverse

from renraku.directory.models import Staff
from renraku.testing import make_staff, sign_in


@pytest.fixture
def yamada(org):
    return make_staff(
        org,
        family="山田",
        given="太郎",
        family_kana="ヤマダ",
        given_kana="タロウ",
        section=org.somu_ka,
    )


@pytest.fixture
def suzuki(org):
    return make_staff(
        org,
        family="鈴木",
        given="花子",
        family_kana="スズキ",
        given_kana="ハナコ",
        department=org.gak,
        site=org.school,
    )


@pytest.mark.parametrize(
    "query", ["山田", "山田太郎", "山田 太郎", "やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "やまだたろう", "たろう"]
)
def test_search_finds_a_person_by_kanji_or_any_kana(yamada, suzuki, query):
    assert list(Staff.objects.search(query)) == [yamada]


def test_search_by_employee_number(yamada, suzuki):
    assert list(Staff.objects.search(suzuki.employee_number)) == [suzuki]


def test_directory_page_filters_by_department_and_site(client, people, yamada, suzuki, org):
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_list"), {"department": org.gak.pk})
    assert "鈴木 花子" in page.text and "山田 太郎" not in page.text
    page = client.get(reverse("directory:staff_list"), {"site": org.school.pk})
    assert "鈴木 花子" in page.text and "山田 太郎" not in page.text


def test_directory_hides_people_who_left(client, people):
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_list"), {"q": "松井"})
    assert "松井 守" not in page.text
    assert page.context["page"].paginator.count == 0


def test_htmx_search_returns_only_the_results(client, people, yamada):
    sign_in(client, people.alice)
    page = client.get(reverse("directory:staff_list"), {"q": "やまだ"}, HTTP_HX_REQUEST="true")
    assert "山田 太郎" in page.text
    assert "<html" not in page.text


def test_directory_page_costs_the_same_queries_for_many_people(
    client, people, org, django_assert_max_num_queries
):
    for i in range(60):
        make_staff(org, given=f"太郎{i}", section=org.somu_ka)
    sign_in(client, people.alice)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("directory:staff_list"))
    assert page.status_code == 200
    assert page.text.count('class="kana"') == 50  # one page


def test_staff_see_work_contacts_of_colleagues(client, people):
    sign_in(client, people.bob)
    page = client.get(reverse("directory:staff_detail", args=[people.alice.username]))
    assert "alice@city.example" in page.text
    assert "090-1111-2222" not in page.text
