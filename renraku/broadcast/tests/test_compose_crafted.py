"""The compose page's ?template= takes a template's number only: anything else is a 400
that says so in Japanese (it was a 500), and nothing is sent."""

import pytest
from django.urls import reverse

from renraku.broadcast.models import Alert, Template
from renraku.testing import sign_in


@pytest.mark.parametrize("value", ["x", "²", "١", "99999", "1e3", "9" * 40])
def test_a_crafted_template_is_refused_in_japanese(client, people, value):
    sign_in(client, people.bob)
    response = client.get(reverse("broadcast:compose"), {"template": value})
    assert response.status_code == 400
    assert "そのテンプレートはありません" in response.text
    assert not Alert.objects.exists()


def test_a_real_template_still_fills_the_form(client, people):
    template = Template.objects.create(
        name="震度5弱", category="earthquake", severity="emergency", title="震度5弱 安否確認",
        body="回答してください。", reply_form="safety", channels=["email"],
        audience={"all": True},
    )  # fmt: skip
    sign_in(client, people.bob)
    response = client.get(reverse("broadcast:compose"), {"template": str(template.pk)})
    assert response.status_code == 200
    assert "震度5弱 安否確認" in response.text
