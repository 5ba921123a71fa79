import re

from renraku.accounts.models import ApiToken


def test_the_openapi_schema_describes_every_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/alerts",
        "/api/v1/alerts/{alert_id}",
        "/api/v1/alerts/{alert_id}/close",
        "/api/v1/org/summary",
        "/api/v1/staff",
        "/api/v1/posts",
        "/api/v1/posts/{post_id}",
    } <= set(schema["paths"])
    send = schema["paths"]["/api/v1/alerts"]["post"]
    assert {"201", "200", "400", "403", "422", "429"} <= set(send["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in send["parameters"])
    fields = schema["components"]["schemas"]["AlertIn"]["properties"]
    assert {"title", "body", "audience", "channels", "reply", "drill", "escalate"} <= set(fields)
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} is not documented"
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()


def test_the_docs_page_uses_only_our_own_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    # the site's strict policy holds here too: Swagger UI needs nothing inline
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy


def test_the_directory_endpoints_answer_as_before(client, people):
    _token, raw = ApiToken.issue(people.dave, "人事")  # made as before: no scope given
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.get("/api/v1/staff", {"q": "ババ"}, **auth)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "results": [
            {
                "employee_number": people.bob.staff.employee_number,
                "name": "馬場 勉",
                "kana": "ババ ツトム",
                "position": people.bob.staff.position.name,
                "department": "危機管理部",
                "section": "危機管理課",
                "site": people.bob.staff.site.name,
                "work_email": "bob@city.example",
                "work_phone": people.bob.staff.work_phone,
            }
        ]
    }
    assert "馬場" in response.content.decode()  # written as is, not \\u escapes
    summary = client.get("/api/v1/org/summary", **auth).json()
    assert summary["staff"] == 5 and summary["departments"] == 3
    assert set(summary) == {
        "domains",
        "departments",
        "sections",
        "sites",
        "staff",
        "directors",
        "by_rank",
    }


def test_a_signed_in_person_reads_the_directory_api_as_before(client, people):
    client.force_login(people.alice)
    assert client.get("/api/v1/org/summary").json()["staff"] == 5
    assert client.get("/api/v1/staff", {"q": "あおき"}).status_code == 200
    # the alerts are for tokens: a session (and its cookie) cannot send through the API
    assert client.get("/api/v1/alerts/1").status_code == 401
