"""Responses checked against the OpenAPI schema the API publishes (drf-spectacular, OpenAPI 3.1, whose
schemas are JSON Schema 2020-12), so the documented contract and the answers cannot drift apart."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from jsonschema import Draft202012Validator

from issues import services
from issues.models import Outcome

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/requests"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def check(schema, path: str, method: str, response) -> None:
    operation = schema["paths"][path][method]
    declared = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    Draft202012Validator({**declared, "components": schema["components"]}).validate(response.json())


def test_the_schema_lists_every_operation_with_its_errors(schema):
    assert set(schema["paths"]) == {
        "/api/v1/services",
        "/api/v1/departments",
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/requests/{id}/return-visit",
    }
    create = schema["paths"][REQUESTS]["post"]
    assert {"200", "201", "202", "400", "401", "403", "413", "429"} <= set(create["responses"])
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


def test_every_answer_matches_the_schema(schema, api, work_order, bob, commerce_bureau):
    check(schema, "/api/v1/services", "get", api("get", "/api/v1/services"))
    check(schema, "/api/v1/departments", "get", api("get", "/api/v1/departments"))
    created = api("post", REQUESTS, json=work_order)
    check(schema, REQUESTS, "post", created)
    check(schema, REQUESTS, "post", api("post", REQUESTS, json=work_order))  # 200: the same work order
    pk = created.json()["service_request_id"]
    services.request_take_on(req_id=pk, actor=bob)
    services.request_answer_directly(req_id=pk, actor=bob, outcome=Outcome.RESOLVED, body="已解决。")
    check(schema, "/api/v1/requests/{id}", "get", api("get", f"{REQUESTS}/{pk}"))
    check(schema, REQUESTS, "get", api("get", f"{REQUESTS}?since=0"))
    visit = api("post", f"{REQUESTS}/{pk}/return-visit", json={"verdict": "satisfied"})
    check(schema, "/api/v1/requests/{id}/return-visit", "post", visit)
    assert visit.json()["evaluation"]["verdict"] == "satisfied"

    work_order.update(work_order_number="GD-2", credit_code="", enterprise_name="某公司")
    check(schema, REQUESTS, "post", api("post", REQUESTS, json=work_order))  # 202: waits to be matched
    check(schema, REQUESTS, "post", api("post", REQUESTS, json={"title": ""}))  # 400
    check(schema, "/api/v1/requests/{id}", "get", api("get", f"{REQUESTS}/999999"))  # 404
    check(schema, "/api/v1/services", "get", api("get", "/api/v1/services", key=None))  # 401


def test_the_schema_and_the_docs_page_are_public_and_load_nothing_from_elsewhere(client):
    assert client.get("/api/v1/schema").status_code == 200
    page = client.get("/api/v1/docs")
    html = page.content.decode()
    assert page.status_code == 200 and "/static/vendor/swagger-ui-dist-5.32.2/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "//cdn" not in html and "https://" not in html
