import numpy as np
import pytest
import sklearn

from labelwise.assist.models import (
    NotFitted, SpanTagger, TabularClassifier, TextClassifier, cross_validate, load_model, model_for, model_header,
    pool_features, span_f1, supports, tokenize, training_set,
)

SPORT = ["the striker scored a late goal", "a great match for the home team", "the keeper saved a penalty",
         "fans cheered the winning goal", "the coach praised the defence", "an away win in the league"]
FOOD = ["the soup was salty and cold", "a fresh salad with lemon dressing", "the chef baked sourdough bread",
        "spicy noodles with garlic", "dessert was a rich chocolate cake", "grilled fish with herbs"]


def _text_set(repeat=3):
    data = [{"text": t} for t in (SPORT + FOOD) * repeat]
    return data, (["sport"] * 6 + ["food"] * 6) * repeat


def test_text_classifier_learns_and_gives_calibrated_probabilities():
    data, labels = _text_set()
    model = TextClassifier().fit(data, labels)
    assert list(model.classes_) == ["food", "sport"]
    proba = model.predict_proba([{"text": "a goal for the home team"}, {"text": "garlic bread and soup"}])
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1) and ((proba >= 0) & (proba <= 1)).all()
    assert model.predict([{"text": "a goal for the home team"}, {"text": "garlic bread and soup"}]) == ["sport", "food"]


def test_text_predictions_have_the_choices_result_shape():
    data, labels = _text_set()
    preds = TextClassifier().fit(data, labels).to_predictions([{"text": "the keeper scored"}], control="topic")
    assert preds[0]["result"] == {"topic": "sport"}
    assert 0.5 < preds[0]["score"] <= 1 and set(preds[0]["scores"]) == {"food", "sport"}


def test_multi_label_text_classifier_returns_option_lists():
    data = [{"text": t} for t in ["goal and cake", "goal", "cake", "noodles", "penalty", "penalty and noodles"] * 4]
    labels = [["sport", "food"], ["sport"], ["food"], ["food"], ["sport"], ["food", "sport"]] * 4
    model = TextClassifier(multi_label=True).fit(data, labels)
    assert model.kind == "multilabel" and list(model.classes_) == ["food", "sport"]
    proba = model.predict_proba([{"text": "goal and cake"}])
    assert proba.shape == (1, 2) and ((proba >= 0) & (proba <= 1)).all()
    [pred] = model.to_predictions([{"text": "penalty and cake"}], control="topics")
    assert sorted(pred["result"]["topics"]) == ["food", "sport"]
    assert model.predict([{"text": "noodles"}]) == [["food"]]


def test_text_classifier_copes_with_one_class_and_singleton_classes():
    one = TextClassifier().fit([{"text": "a"}, {"text": "b"}], ["x", "x"])
    assert one.predict([{"text": "z"}]) == ["x"] and one.predict_proba([{"text": "z"}]).tolist() == [[1.0]]
    tiny = TextClassifier().fit([{"text": "red apple"}, {"text": "blue sea"}, {"text": "red cherry"}], ["r", "b", "r"])
    assert tiny.predict([{"text": "red"}]) == ["r"]
    never = TextClassifier(multi_label=True).fit([{"text": "a"}, {"text": "b"}], [["x"], ["x"]])
    assert never.predict([{"text": "q"}]) == [["x"]]


def test_tabular_classifier_uses_numeric_and_categorical_columns():
    rng = np.random.default_rng(0)
    rows, labels = [], []
    for _ in range(300):
        colour = str(rng.choice(["red", "green", "blue"]))
        size = float(rng.normal())
        rows.append({"row": {"colour": colour, "size": f"{size:.3f}", "note": None if rng.random() < 0.2 else "x"}})
        labels.append("yes" if (colour == "red") != (size > 0.5) else "no")
    model = TabularClassifier(field="row").fit(rows[:200], labels[:200])
    assert model.numeric_ == {"colour": False, "size": True, "note": False}
    accuracy = np.mean(np.array(model.predict(rows[200:])) == np.array(labels[200:]))
    assert accuracy > 0.9
    [pred] = model.to_predictions([{"row": {"colour": "purple", "size": "abc"}}], control="answer")
    assert pred["result"]["answer"] in {"yes", "no"} and 0 < pred["score"] <= 1


def test_tabular_classifier_refuses_non_records():
    with pytest.raises(ValueError, match="record"):
        TabularClassifier().fit(["just text"], ["a"])


NER_NAMES = ["Alice", "Bob", "Carol", "Dmitri", "Eve", "Farid", "Grace", "Hiro"]
NER_CITIES = ["Paris", "Lagos", "Lima", "Oslo", "Quito", "Hanoi", "Perth", "Accra"]


def _ner_set(seed, n):
    rng = np.random.default_rng(seed)
    data, labels = [], []
    for _ in range(n):
        name, city = rng.choice(NER_NAMES), rng.choice(NER_CITIES)
        pattern = rng.integers(3)
        text = [f"{name} flew to {city} today.", f"Yesterday {name} visited {city}.",
                f"In {city} we met {name} Smith."][pattern]
        spans = []
        for word, label in ((name if pattern != 2 else f"{name} Smith", "PER"), (city, "LOC")):
            start = text.index(word)
            spans.append({"start": start, "end": start + len(word), "label": label})
        data.append({"text": text})
        labels.append(spans)
    return data, labels


def test_span_tagger_learns_a_toy_entity_pattern():
    data, labels = _ner_set(0, 60)
    model = SpanTagger().fit(data, labels)
    assert list(model.classes_) == ["LOC", "PER"]
    test_data, test_labels = _ner_set(1, 30)
    assert span_f1(test_labels, model.predict(test_data))["f1"] > 0.9
    [pred] = model.to_predictions([{"text": "Zed flew to Rome today."}], control="entities")
    regions = pred["result"]["entities"]
    assert {(r["text"], r["label"]) for r in regions} == {("Zed", "PER"), ("Rome", "LOC")}
    for r in regions:
        assert set(r) == {"id", "start", "end", "label", "text", "score"} and 0 < r["score"] <= 1
        assert "Zed flew to Rome today."[r["start"]:r["end"]] == r["text"]
    proba = model.predict_proba(test_data[:2])
    assert proba[0].shape == (len(tokenize(test_data[0]["text"])), 5)
    assert np.allclose(proba[0].sum(axis=1), 1)


def test_span_offsets_are_code_points_even_after_astral_characters():
    text = "🙂 Alice met Bob"
    model = SpanTagger().fit([{"text": text}] * 3 + [{"text": "🙂 nobody here"}],
                             [[{"start": 2, "end": 7, "label": "PER"}, {"start": 12, "end": 15, "label": "PER"}]] * 3
                             + [[]])
    spans = model.predict([{"text": text}])[0]
    assert [(s["start"], s["end"]) for s in spans] == [(2, 7), (12, 15)]


def test_span_tagger_with_no_entities_predicts_none():
    model = SpanTagger().fit([{"text": "nothing here"}], [[]])
    assert model.predict([{"text": "still nothing"}]) == [[]]


@pytest.mark.parametrize("make", [
    lambda: TextClassifier().fit(*_text_set()),
    lambda: TextClassifier(multi_label=True).fit([{"text": "a b"}, {"text": "c"}] * 3, [["x"], ["y"]] * 3),
    lambda: TabularClassifier().fit([{"a": i, "b": "p" if i % 2 else "q"} for i in range(20)], ["s", "t"] * 10),
    lambda: SpanTagger().fit(*_ner_set(0, 20)),
])
def test_models_round_trip_through_bytes(make):
    model = make()
    data = model.to_bytes()
    assert model_header(data)["sklearn"] == sklearn.__version__
    again = load_model(data)
    assert type(again) is type(model)
    sample = [{"text": "the goal was spicy"}] if not isinstance(model, TabularClassifier) else [{"a": 3, "b": "p"}]
    assert again.predict(sample) == model.predict(sample)
    for a, b in zip(again.predict_proba(sample), model.predict_proba(sample)):
        assert np.allclose(a, b)


def test_load_model_refuses_foreign_bytes_and_other_sklearn_versions():
    with pytest.raises(ValueError, match="not labelwise"):
        load_model(b"\x80\x05garbage")
    data = TextClassifier().fit(*_text_set()).to_bytes()
    forged = data.replace(sklearn.__version__.encode(), b"0.1.0")
    with pytest.raises(ValueError, match="retrain"):
        load_model(forged)


def test_unfitted_models_say_so():
    with pytest.raises(NotFitted):
        TextClassifier().predict_proba([{"text": "x"}])
    with pytest.raises(NotFitted):
        SpanTagger().to_bytes()


def test_cross_validation_metrics_are_sane():
    data, labels = _text_set(repeat=4)
    cv = cross_validate(TextClassifier(), data, labels, folds=4)
    assert cv["folds"] == 4 and cv["n"] == 48
    assert 0.9 <= cv["accuracy"] <= 1 and 0.9 <= cv["f1"] <= 1
    # labels that carry no signal score near chance
    rng = np.random.default_rng(0)
    noise = [str(v) for v in rng.integers(2, size=48)]
    chance = cross_validate(TextClassifier(), data, noise, folds=4)
    assert chance["accuracy"] < 0.75


def test_cross_validation_covers_multilabel_spans_and_tiny_classes():
    ner = cross_validate(SpanTagger(), *_ner_set(0, 40), folds=3)
    assert ner["metric"].startswith("token") and ner["f1"] > 0.8 and 0.9 < ner["accuracy"] <= 1
    ml = cross_validate(TextClassifier(multi_label=True), [{"text": "a b"}, {"text": "c"}] * 6, [["x"], ["y"]] * 6)
    assert ml["accuracy"] == 1.0 and ml["f1"] == 1.0
    shrunk = cross_validate(TextClassifier(), *_text_set(repeat=1), folds=10)
    assert shrunk["folds"] == 6  # the rarest class has six examples
    with pytest.raises(ValueError, match="at least two"):
        cross_validate(TextClassifier(), [{"text": "a"}], ["x"])


def test_model_for_picks_the_model_per_object_and_control():
    assert isinstance(model_for("text", "choices", field="review"), TextClassifier)
    multi = model_for("text", "choices", field="review", multiple=True)
    assert multi.multi_label and multi.field == "review"
    assert isinstance(model_for("table", "choices", field="row"), TabularClassifier)
    assert isinstance(model_for("text", "spans", field="body"), SpanTagger)
    for args in [("image", "boxes"), ("paragraphs", "spans"), ("text", "taxonomy")]:
        assert not supports(*args)
        with pytest.raises(ValueError, match="no built-in model"):
            model_for(*args, field="x")
    assert not supports("table", "choices", multiple=True)


def test_training_set_reads_labeled_results_for_one_control():
    tasks = [
        ({"text": "a"}, {"sentiment": "pos", "ents": [{"id": "e1", "start": 0, "end": 1, "label": "X", "text": "a"}]}),
        ({"text": "b"}, {"ents": []}),
        ({"text": "c"}, {"sentiment": "neg"}),
    ]
    assert training_set(tasks, "sentiment") == ([{"text": "a"}, {"text": "c"}], ["pos", "neg"])
    data, spans = training_set(tasks, "ents")
    assert data == [{"text": "a"}, {"text": "b"}]
    assert spans == [[{"start": 0, "end": 1, "label": "X"}], []]
    assert training_set([({"t": 1}, {"topics": ["x", "y"]})], "topics", multiple=True)[1] == [["x", "y"]]


def test_pool_features_need_no_labels():
    text = pool_features("text", [{"t": "cheap pills"}, {"t": "cheap watches"}, {"t": "hello there"}], field="t")
    assert text.shape[0] == 3 and text.nnz > 0
    rows = [{"r": {"age": 30, "city": "Oslo"}}, {"r": {"age": 50, "city": "Rome"}}, {"r": {"city": "Oslo"}}]
    table = pool_features("table", rows, field="r")
    assert table.shape == (3, 2) and np.isfinite(table).all()
    assert table[:, 0].tolist() == pytest.approx([-1.0, 1.0, 0.0])  # standardised; missing at the mean
    assert table[0, 1] == table[2, 1] != table[1, 1]  # a category keeps one code
    assert pool_features("image", rows, field="r") is None
