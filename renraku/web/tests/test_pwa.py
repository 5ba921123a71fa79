import json

from django.contrib.staticfiles import finders


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        if icon["type"] == "image/png":
            with open(path, "rb") as f:
                header = f.read(24)
            width = int.from_bytes(header[16:20], "big")
            assert header[:8] == b"\x89PNG\r\n\x1a\n"
            assert f"{width}x{width}" == icon["sizes"]


def test_service_worker_is_served_from_the_root_for_the_whole_app(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert 'addEventListener("push"' in response.text
    assert 'addEventListener("notificationclick"' in response.text


def test_offline_page_and_health_check_need_no_sign_in(client, db):
    assert client.get("/offline/").status_code == 200
    assert client.get("/healthz").json() == {"ok": True}


def test_pages_refuse_to_be_framed(client, db):
    assert client.get("/accounts/login/")["X-Frame-Options"] == "DENY"
