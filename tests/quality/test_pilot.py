"""The pilot report of one control on toy answers with a known outcome."""

from labelwise.quality.pilot import compare_reports, control_report

ANSWERS = [(1, "a", "x"), (1, "b", "x"), (2, "a", "x"), (2, "b", "y"), (3, "a", "y"), (3, "b", "y"), (4, "a", "z")]


def test_agreement_confusion_and_deviation():
    report = control_report(ANSWERS, labels=["y", "x"])
    assert report["labels"] == ["y", "x", "z"] and report["items"] == 4 and report["answers"] == 7
    assert report["percent_agreement"] == round(2 / 3, 6)  # item 4 has one answer: no pair
    assert report["confusion"] == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert report["confused_pairs"] == [{"labels": ["x", "y"], "count": 1, "items": [2]}]
    assert [(a["annotator"], a["compared"], a["deviation"]) for a in report["annotators"]] == [
        ("a", 3, round(1 / 3, 6)), ("b", 3, round(1 / 3, 6))]
    assert report["label_counts"] == {"x": 3, "y": 3, "z": 1}


def test_nothing_to_measure_is_none_not_an_error():
    report = control_report([(1, "a", "x")])
    assert report["percent_agreement"] is None and report["alpha"] is None and report["confused_pairs"] == []
    assert control_report([])["annotators"] == []


def test_compare_two_rounds():
    before = control_report(ANSWERS)
    after = control_report([(5, "a", "x"), (5, "b", "x")])
    compared = compare_reports(before, after)
    assert compared["percent_agreement"]["change"] == round(1 - round(2 / 3, 6), 6)
    assert compared["confused_pairs"] == [{"labels": ["x", "y"], "before": 1, "after": 0}]
    assert compared["annotators"][0] == {"annotator": "a", "before": round(1 / 3, 6), "after": 0.0}
