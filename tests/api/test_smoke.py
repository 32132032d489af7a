from tests.api.conftest import Api


def test_health_is_public(api: Api) -> None:
    r = api.get("/health", role=None)
    assert r.status == 200 and r.json["status"] == "ok"


def test_me_with_a_real_token(api: Api) -> None:
    r = api.get("/me", role="supervisor")
    assert r.status == 200, r.body
    assert r.json == {"username": "user-supervisor", "roles": ["supervisor"]}
