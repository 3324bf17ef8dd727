import json

from tests.factories import TEXT_SCHEMA, make_user


def test_health(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_project_roundtrip(client, session):
    admin = make_user(session, "admin", admin=True)
    r = client.post("/api/v1/projects", json={"name": "P", "label_schema": TEXT_SCHEMA}, headers=admin.headers)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post(f"/api/v1/projects/{pid}/import", content=b'{"text":"hello"}\n{"text":"world"}\n',
                    headers={**admin.headers, "content-type": "application/jsonl"})
    assert r.status_code == 201, r.text
    r = client.get(f"/api/v1/projects/{pid}/next", headers=admin.headers)
    assert r.status_code == 200, r.text
    task = r.json()["task"]
    r = client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                    headers=admin.headers)
    assert r.status_code == 201, r.text
    r = client.get(f"/api/v1/projects/{pid}/export", headers=admin.headers)
    assert r.status_code == 200, r.text
    print(r.text)


def test_stats(client, session):
    admin = make_user(session, "admin", admin=True)
    r = client.post("/api/v1/projects", json={"name": "P", "label_schema": TEXT_SCHEMA}, headers=admin.headers)
    pid = r.json()["id"]
    client.post(f"/api/v1/projects/{pid}/import", content=b'{"text":"a"}\n{"text":"b"}\n',
                headers={**admin.headers, "content-type": "application/jsonl"})
    task = client.get(f"/api/v1/projects/{pid}/next", headers=admin.headers).json()["task"]
    client.post(f"/api/v1/tasks/{task['id']}/annotations", json={"result": {"sentiment": "positive"}},
                headers=admin.headers)
    stats = client.get(f"/api/v1/projects/{pid}/stats", headers=admin.headers).json()
    print(stats)
    assert stats["remaining_annotations"] == 1


def test_openapi_and_docs_page_are_served_locally(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/projects/{project_id}/next" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/static/api-docs.js" in page.text
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    assert client.get("/static/api-docs.js").status_code == 200


def test_out_of_range_ids_and_bad_unicode_get_422_not_500(client, session):
    admin = make_user(session, "admin", admin=True)
    huge = 14813121566905634816
    for method, path in [("GET", f"/api/v1/projects/{huge}/next"), ("GET", f"/api/v1/tasks/{huge}"),
                         ("POST", f"/api/v1/annotations/{huge}/reviews")]:
        response = client.request(method, path, headers=admin.headers,
                                  json={"verdict": "accept"} if method == "POST" else None)
        assert response.status_code == 422, (path, response.text)
        assert "out of range" in response.json()["message"]
    bad_name = client.post("/api/v1/projects", headers={**admin.headers, "content-type": "application/json"},
                           content='{"name": "x\\udbbb", "label_schema": ' + json.dumps(TEXT_SCHEMA) + "}")
    assert bad_name.status_code == 422 and "unicode" in bad_name.json()["message"].lower()
    assert client.get("/api/v1/projects", headers=admin.headers).json() == []


def test_schema_keeps_the_order_it_was_written_in(client, session):
    admin = make_user(session, "admin", admin=True)
    schema = {"objects": {"zeta": {"type": "text"}, "a": {"type": "text"}},
              "controls": {"third_longest_name": {"type": "text", "object": "zeta"},
                           "b": {"type": "choices", "object": "a", "options": ["z", "y", "x"]}}}
    pid = client.post("/api/v1/projects", json={"name": "P", "label_schema": schema}, headers=admin.headers).json()["id"]
    stored = client.get(f"/api/v1/projects/{pid}", headers=admin.headers).json()["label_schema"]
    assert list(stored["objects"]) == ["zeta", "a"]
    assert list(stored["controls"]) == ["third_longest_name", "b"]
    assert stored["controls"]["b"]["options"] == ["z", "y", "x"]
