"""The REST API of the foundation (issue 2 item 11): catalog, cycles, JSON errors, OpenAPI."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "127.0.0.1"}


def get(client, url, **headers):
    return client.get(url, **HOST, **headers)


def test_the_catalog_lists_the_eight_items_with_the_notices_fees(client, notice_2026):
    response = get(client, "/api/v1/catalog")
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 8
    by_key = {(i["occupation_code"], i["work_type"], i["level"]): i for i in items}
    item = by_key[("4-04-04-02", "网络安全管理员", 3)]
    assert item["name"] == "网络与信息安全管理员（网络安全管理员）"
    assert item["level_label"] == "三级/高级工"
    assert [(s["kind"], s["name"], Decimal(s["fee"])) for s in item["subjects"]] == [
        ("theory", "理论知识", Decimal("100")),
        ("practical", "操作技能", Decimal("450")),
    ]
    assert Decimal(item["total"]) == Decimal("550")
    assert Decimal(by_key[("4-04-05-01", None, 4)]["total"]) == Decimal("350")


def test_fees_travel_as_exact_decimal_strings_and_chinese_unescaped(client, notice_2026):
    body = get(client, "/api/v1/catalog").content.decode()
    assert '"fee": "450.00"' in body or '"fee":"450.00"' in body
    assert "人工智能训练师" in body and "\\u" not in body


def test_the_catalog_speaks_english_when_asked(client, notice_2026):
    items = get(client, "/api/v1/catalog", HTTP_ACCEPT_LANGUAGE="en").json()
    trainer = next(i for i in items if i["occupation_code"] == "4-04-05-05" and i["level"] == 4)
    assert trainer["occupation"] == "Artificial intelligence trainer"
    assert trainer["level_label"] == "Level 4 / Intermediate worker"
    assert trainer["subjects"][0]["name"] == "Theory knowledge"


def test_the_catalog_of_a_date_before_the_notice_is_empty(client, notice_2026):
    assert get(client, "/api/v1/catalog?on=2025-12-31").json() == []


def test_cycles_of_2026(client, notice_2026):
    cycles = get(client, "/api/v1/cycles?year=2026").json()
    assert [c["month"] for c in cycles] == list(range(1, 13))
    assert cycles[0]["evaluate_by"] == "2026-02-28"
    assert cycles[10]["evaluate_by"] == "2026-12-31"
    assert cycles[11] == {
        "year": 2026,
        "month": 12,
        "evaluate_by": "2026-12-31",
        "note": "或根据次年公告排考",
    }


@pytest.mark.parametrize(
    ("url", "field", "zh_fragment"),
    [
        ("/api/v1/cycles?year=1999", "year", "2000"),
        ("/api/v1/cycles?year=abc", "year", "整数"),
        ("/api/v1/catalog?on=2026-02-30", "on", "日期"),
    ],
)
def test_bad_input_answers_422_with_a_message_per_field(client, notice_2026, url, field, zh_fragment):
    response = get(client, url)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert field in body["errors"]
    assert zh_fragment in body["errors"][field][0]


def test_a_year_without_cycles_is_a_json_404(client, notice_2026):
    response = get(client, "/api/v1/cycles?year=2031")
    assert response.status_code == 404
    assert "2031" in response.json()["detail"]


def test_unknown_api_paths_answer_json(client):
    response = get(client, "/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}
    english = get(client, "/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}


def test_an_unexpected_error_is_json_with_the_request_id_not_a_traceback(client, notice_2026, monkeypatch):
    import skilleval.catalog.api as catalog_api

    def explode(on):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog_api, "items_in_force", explode)
    response = get(client, "/api/v1/catalog")
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == response["X-Request-ID"]
    assert "secret internals" not in response.content.decode()


def test_openapi_describes_the_endpoints(client):
    schema = get(client, "/api/v1/openapi.json").json()
    assert {"/api/v1/catalog", "/api/v1/cycles"} <= set(schema["paths"])
    assert get(client, "/api/v1/docs").status_code == 200
