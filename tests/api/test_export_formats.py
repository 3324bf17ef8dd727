"""Every export format through the API, each read back by the library its users read it with."""

import csv
import io
import json
import zipfile
from xml.etree import ElementTree as ET

import pytest

from tests.api._export_world import export, image_world, post_import, text_world


@pytest.fixture
def text(client, session):
    return text_world(client, session)


def test_jsonl_minimal_has_one_final_label_per_task(client, text):
    owner, *_, project = text
    response = export(client, owner, project.id, format="jsonl-minimal")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 12
    assert rows[0]["text"] == "Alice works at Acme in Paris 0" and rows[1]["sentiment"] == "negative"
    assert set(rows[0]) == {"id", "external_id", "text", "sentiment", "entities", "confidence"}


def test_csv_minimal_has_a_fixed_header(client, text):
    owner, *_, project = text
    response = export(client, owner, project.id, format="csv-minimal", source="first")
    table = list(csv.DictReader(io.StringIO(response.text)))
    columns = list(table[0])  # PostgreSQL's JSONB reorders schema keys, so the controls' order may differ
    assert columns[:3] == ["id", "external_id", "text"] and columns[-1] == "confidence"
    assert set(columns[3:5]) == {"sentiment", "entities"}
    assert [row["sentiment"] for row in table[:3]] == ["positive", "negative", "neutral"]
    assert json.loads(table[0]["entities"])[0]["label"] == "PER"


def test_conll_is_read_by_seqeval(client, text):
    from seqeval.metrics.sequence_labeling import get_entities

    owner, *_, project = text
    response = export(client, owner, project.id, format="conll", source="first")
    assert response.status_code == 200, response.text
    documents = [d for d in response.text.split("-DOCSTART- -X- -X- O\n") if d.strip()]
    assert len(documents) == 12
    lines = [line.split() for line in documents[0].strip().splitlines()]
    tokens, tags = [parts[0] for parts in lines], [parts[-1] for parts in lines]
    assert [(tokens[s], label) for label, s, _ in get_entities(tags)] == [("Alice", "PER"), ("Acme", "ORG"),
                                                                         ("Paris", "LOC")]


def test_spacy_docbin_entities_match(client, text):
    import spacy
    from spacy.tokens import DocBin

    owner, *_, project = text
    response = export(client, owner, project.id, format="spacy", source="first")
    assert response.status_code == 200, response.text
    docs = list(DocBin().from_bytes(response.content).get_docs(spacy.blank("en").vocab))
    assert len(docs) == 12
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Alice", "PER"), ("Acme", "ORG"), ("Paris", "LOC")]
    assert docs[1].cats["negative"] == 1.0 and docs[1].user_data["external_id"] == "t1"


def test_parquet_loads_in_datasets_with_classlabel(client, text, tmp_path):
    import datasets

    owner, *_, project = text
    response = export(client, owner, project.id, format="parquet", source="first")
    assert response.status_code == 200, response.text
    path = tmp_path / "out.parquet"
    path.write_bytes(response.content)
    ds = datasets.Dataset.from_parquet(str(path))
    assert isinstance(ds.features["sentiment"], datasets.ClassLabel)
    assert ds.features["sentiment"].names == ["positive", "negative", "neutral"]
    assert ds.num_rows == 12 and ds.features["sentiment"].int2str(ds[1]["sentiment"]) == "negative"
    assert ds[0]["entities"][1] == {"start": 15, "end": 19, "label": "ORG"}


def test_labelstudio_json_reimports_losslessly(client, session, text):
    owner, ann1, ann2, project = text
    response = export(client, owner, project.id, format="labelstudio")
    assert response.status_code == 200
    tasks = json.loads(response.content)
    assert len(tasks) == 12 and tasks[0]["annotations"][0]["created_username"] == "ann1"  # no email: Label Studio wants one in completed_by
    copy = client.post("/api/v1/projects", headers=owner.headers,
                       json={"name": "copy", "label_schema": client.get(f"/api/v1/projects/{project.id}",
                                                                         headers=owner.headers).json()["label_schema"]})
    copy_id = copy.json()["id"]
    client.post(f"/api/v1/projects/{copy_id}/members", headers=owner.headers, json={"username": "ann1", "role": "annotator"})
    imported = client.post(f"/api/v1/projects/{copy_id}/import", params={"format": "labelstudio"},
                           content=response.content, headers={**owner.headers, "content-type": "application/json"})
    assert imported.status_code == 201, imported.text
    summary = imported.json()
    assert summary["imported"] == 12 and summary["annotations"] == 16
    assert summary["annotations_by_importer"] == 4 and summary["unknown_users"] == ["ann2"]
    again = json.loads(export(client, owner, copy_id, format="labelstudio").content)
    strip = lambda t: [(a["created_username"], a["result"]) for a in t["annotations"]]  # noqa: E731
    assert [t["data"] for t in again] == [t["data"] for t in tasks]
    assert [strip(t)[0] for t in again] == [strip(t)[0] for t in tasks]  # ann1's answers, as ann1
    assert [a[1] for t in again for a in strip(t)] == [a[1] for t in tasks for a in strip(t)]


def test_coco_is_read_by_pycocotools(client, session):
    from pycocotools.coco import COCO

    owner, project = image_world(client, session)
    response = export(client, owner, project.id, format="coco")
    assert response.status_code == 200, response.text
    api = COCO()
    api.dataset = json.loads(response.content)
    api.createIndex()
    assert len(api.getImgIds()) == 4
    first = api.getImgIds()[0]
    anns = api.loadAnns(api.getAnnIds(imgIds=[first]))
    assert [a["bbox"] for a in anns] == [[10, 20, 30, 40]]
    assert api.loadCats(anns[0]["category_id"])[0]["name"] == "car"


def test_voc_and_yolo_are_zips_of_their_layouts(client, session):
    owner, project = image_world(client, session)
    voc = zipfile.ZipFile(io.BytesIO(export(client, owner, project.id, format="voc").content))
    xml = ET.fromstring(voc.read("Annotations/0.xml"))
    assert xml.find("object/name").text == "car" and xml.find("object/bndbox/xmin").text == "11"
    yolo = zipfile.ZipFile(io.BytesIO(export(client, owner, project.id, format="yolo").content))
    assert yolo.read("classes.txt") == b"car\nperson\n"
    assert yolo.read("labels/0.txt").decode().split() == ["0", "0.250000", "0.500000", "0.300000", "0.500000"]


def test_split_is_a_column_and_stable(client, session, text):
    owner, *_, project = text
    first = [json.loads(line) for line in export(client, owner, project.id, format="jsonl", split="true").text.splitlines()]
    assert {row["split"] for row in first} <= {"train", "validation", "test"}
    post_import(client, owner, project.id, [{"text": f"new {i}"} for i in range(20)])
    second = [json.loads(line) for line in export(client, owner, project.id, format="jsonl", split="true").text.splitlines()]
    assert {r["id"]: r["split"] for r in second if r["id"] in {x["id"] for x in first}} == \
        {r["id"]: r["split"] for r in first}
    seeded = [json.loads(line)["split"] for line in
              export(client, owner, project.id, format="jsonl", split="1,1,1", split_seed="s").text.splitlines()]
    assert len(set(seeded)) == 3


def test_split_file_formats_get_one_file_per_split(client, session):
    owner, project = image_world(client, session, n=30)
    response = export(client, owner, project.id, format="coco", split="60,20,20")
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["train.json", "validation.json", "test.json"]
    ids = [img["id"] for name in archive.namelist() for img in json.loads(archive.read(name))["images"]]
    assert sorted(ids) == list(range(1, 31))
    voc = zipfile.ZipFile(io.BytesIO(export(client, owner, project.id, format="voc", split="true").content))
    assert {name.split("/")[0] for name in voc.namelist()} == {"train", "validation", "test"}


def test_filters(client, session, text):
    owner, ann1, ann2, project = text
    by_ann2 = [json.loads(x) for x in export(client, owner, project.id, annotator="ann2").text.splitlines()]
    assert [r["external_id"] for r in by_ann2] == ["t0", "t3", "t6", "t9"]
    assert all([a["user"] for a in r["annotations"]] == ["ann2"] for r in by_ann2)
    negative = [json.loads(x)["external_id"] for x in
                export(client, owner, project.id, label="negative", source="first").text.splitlines()]
    assert negative == ["t1", "t4", "t7", "t10"]
    loc = export(client, owner, project.id, label="LOC", source="first", format="jsonl-minimal").text.splitlines()
    assert len(loc) == 6
    assert export(client, owner, project.id, since="2999-01-01").text == ""
    assert len(export(client, owner, project.id, until="2999-01-01T00:00:00Z").text.splitlines()) == 12
    assert export(client, owner, project.id, accepted_only="true").text == ""
    annotation_id = by_ann2[0]["annotations"][0]["id"]
    reviewed = client.post(f"/api/v1/annotations/{annotation_id}/reviews", headers=owner.headers,
                           json={"verdict": "accept"})
    assert reviewed.status_code in (200, 201), reviewed.text
    accepted = [json.loads(x) for x in export(client, owner, project.id, accepted_only="true").text.splitlines()]
    assert [r["external_id"] for r in accepted] == ["t0"] and len(accepted[0]["annotations"]) == 1


@pytest.mark.parametrize("params, field", [
    ({"format": "xml"}, "format"), ({"since": "yesterday"}, "since"), ({"until": "2024-13-01"}, "until"),
    ({"source": "best"}, "source"), ({"status": "done"}, "status"), ({"split": "1,2"}, "split"),
    ({"annotator": "nobody"}, "annotator"), ({"format": "conll", "since": "2024-02-01", "until": "2024-01-01"}, "since"),
])
def test_bad_options_are_422_naming_the_field(client, text, params, field):
    owner, *_, project = text
    response = export(client, owner, project.id, **params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_format_the_schema_cannot_express_is_422_before_streaming(client, text):
    owner, *_, project = text
    response = export(client, owner, project.id, format="coco")
    assert response.status_code == 422 and "image" in response.json()["message"]
