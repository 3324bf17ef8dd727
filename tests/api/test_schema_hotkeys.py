"""Saving a schema whose hotkeys clash (across controls, or with a page key) is a 422 naming the control
and the key; the live validation says the same; Label Studio configs fall back to default keys."""

from labelwise.formats.labelstudio_config import convert
from tests.factories import make_user

TEXT = {"text": {"type": "text"}}


def _schema(person_key):
    return {"objects": TEXT, "controls": {
        "spam": {"type": "choices", "object": "text", "options": ["spam", "ham"], "hotkeys": {"spam": "1", "ham": "2"}},
        "mentions": {"type": "spans", "object": "text", "labels": ["PERSON"], "hotkeys": {"PERSON": person_key}},
    }}


def test_clashing_hotkeys_are_refused_naming_the_control_and_the_key(client, session):
    admin = make_user(session, "admin", admin=True)
    response = client.post("/api/v1/schema/validate", json={"source": _schema("2")}, headers=admin.headers)
    assert response.status_code == 422
    body = response.json()
    assert "control 'mentions'" in body["message"] and "hotkey '2'" in body["message"] and "'ham' in control 'spam'" in body["message"]
    response = client.post("/api/v1/projects", json={"name": "Clash", "label_schema": _schema("2")}, headers=admin.headers)
    assert response.status_code == 422 and "control 'mentions'" in response.json()["message"]
    response = client.post("/api/v1/projects", json={"name": "Clash", "label_schema": _schema("s")}, headers=admin.headers)
    assert response.status_code == 422 and "hotkey 's'" in response.json()["message"] and "labeling page" in response.json()["message"]
    response = client.post("/api/v1/projects", json={"name": "Fine", "label_schema": _schema("p")}, headers=admin.headers)
    assert response.status_code == 201, response.text
    project_id = response.json()["id"]
    response = client.patch(f"/api/v1/projects/{project_id}", json={"label_schema": _schema("1")}, headers=admin.headers)
    assert response.status_code == 422 and "control 'mentions'" in response.json()["message"]


def test_label_studio_hotkeys_that_clash_fall_back_to_the_defaults():
    xml = """<View><Text name="text" value="$text"/>
      <Choices name="spam" toName="text"><Choice value="spam" hotkey="1"/><Choice value="ham" hotkey="2"/></Choices>
      <Labels name="mentions" toName="text"><Label value="PERSON" hotkey="1"/></Labels></View>"""
    schema, warnings = convert(xml)
    assert "hotkeys" not in schema["controls"]["mentions"] and schema["controls"]["spam"]["hotkeys"] == {"spam": "1", "ham": "2"}
    assert any("mentions" in w and "default keys" in w for w in warnings)
