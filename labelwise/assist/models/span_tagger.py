"""Named-entity spans: each token is tagged B-/I-/O by a multinomial logistic regression over
hand-made token features (word form, affixes, shape, neighbours), the feature set of the classic
CRF taggers (Lafferty et al., ICML 2001; Ratinov & Roth, CoNLL 2009) without the CRF's transition
model: decoding repairs invalid tag sequences instead. Needs no spaCy and no download.

Offsets are Unicode code points of the text, `end` exclusive, as labelwise spans are.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from labelwise.assist.models._base import BuiltinModel, texts_of

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[tuple[int, int]]:
    """Token (start, end) offsets: runs of word characters, and every other non-space character alone."""
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


class SpanTagger(BuiltinModel):
    """Tag entity spans in `data[field]`. Labels per task are lists of spans `{"start", "end", "label"}`."""

    kind = "spans"

    def __init__(self, *, field: str | None = "text", C: float = 1.0, max_iter: int = 1000) -> None:
        self.field = field
        self.C = C
        self.max_iter = max_iter

    def fit(self, tasks_data: Sequence[Any], labels: Sequence[Sequence[Mapping[str, Any]]]) -> SpanTagger:
        texts = texts_of(tasks_data, self.field)
        if len(texts) != len(labels) or not texts:
            raise ValueError("fit needs as many labels as tasks, and at least one task")
        self.classes_ = np.array(sorted({str(s["label"]) for spans in labels for s in spans}), dtype=object)
        self.tags_ = ["O"] + [f"{p}-{c}" for c in self.classes_ for p in ("B", "I")]
        feats, tags = [], []
        for text, spans in zip(texts, labels):
            tokens = tokenize(text)
            feats.extend(_token_features(text, tokens))
            tags.extend(_bio(tokens, spans))
        self.vectorizer_ = DictVectorizer()
        x = self.vectorizer_.fit_transform(feats) if feats else None
        present = sorted(set(tags))
        if len(present) < 2:
            self.estimator_ = present[0] if present else "O"
        else:
            self.estimator_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(x, tags)
        return self

    def predict_proba(self, tasks_data: Sequence[Any]) -> list[np.ndarray]:
        """Per task, an (n_tokens, n_tags) array of tag probabilities; columns follow `tags_`."""
        self._check_fitted()
        out = []
        for text in texts_of(tasks_data, self.field):
            out.append(self._token_proba(text, tokenize(text)))
        return out

    def predict(self, tasks_data: Sequence[Any]) -> list[list[dict[str, Any]]]:
        """Per task, spans `{"start", "end", "label", "score"}` (score: mean tag probability of its tokens)."""
        self._check_fitted()
        out = []
        for text in texts_of(tasks_data, self.field):
            tokens = tokenize(text)
            out.append(_decode(tokens, self._token_proba(text, tokens), self.tags_))
        return out

    def to_predictions(self, tasks_data: Sequence[Any], *, control: str) -> list[dict[str, Any]]:
        """Prediction objects `{"result": {control: [span, ...]}, "score"}` for a spans control; every span
        has `id`, `start`, `end`, `label`, `text` and `score`. The task score is the least sure token's
        probability (1.0 for a text with no tokens)."""
        out = []
        texts = texts_of(tasks_data, self.field)
        for text, spans, proba in zip(texts, self.predict(tasks_data), self.predict_proba(tasks_data)):
            regions = [{"id": uuid.uuid4().hex, "start": s["start"], "end": s["end"], "label": s["label"],
                        "text": text[s["start"]:s["end"]], "score": s["score"]} for s in spans]
            score = float(proba.max(axis=1).min()) if len(proba) else 1.0
            out.append({"result": {control: regions}, "score": score})
        return out

    def _token_proba(self, text: str, tokens: list[tuple[int, int]]) -> np.ndarray:
        proba = np.zeros((len(tokens), len(self.tags_)))
        if not tokens:
            return proba
        if isinstance(self.estimator_, str):
            proba[:, self.tags_.index(self.estimator_)] = 1.0
            return proba
        p = self.estimator_.predict_proba(self.vectorizer_.transform(_token_features(text, tokens)))
        for j, tag in enumerate(self.estimator_.classes_):
            proba[:, self.tags_.index(tag)] = p[:, j]
        return proba


def _bio(tokens: list[tuple[int, int]], spans: Sequence[Mapping[str, Any]]) -> list[str]:
    tags = ["O"] * len(tokens)
    # longer spans first where they start together; a token keeps the first span that claims it
    for span in sorted(spans, key=lambda s: (int(s["start"]), -int(s["end"]))):
        start, end, label = int(span["start"]), int(span["end"]), str(span["label"])
        inside = [i for i, (a, b) in enumerate(tokens) if a < end and b > start and tags[i] == "O"]
        for n, i in enumerate(inside):
            tags[i] = ("B-" if n == 0 else "I-") + label
    return tags


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", word)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)  # collapse long runs: "Xxxxxx" -> "Xxx"


def _token_features(text: str, tokens: list[tuple[int, int]]) -> list[dict[str, Any]]:
    words = [text[a:b] for a, b in tokens]
    out = []
    for i, w in enumerate(words):
        f: dict[str, Any] = {
            "bias": 1.0, "w=" + w.lower(): 1.0, "shape=" + _shape(w): 1.0,
            "pre3=" + w[:3].lower(): 1.0, "suf3=" + w[-3:].lower(): 1.0, "suf2=" + w[-2:].lower(): 1.0,
            "title": float(w.istitle()), "upper": float(w.isupper()), "digit": float(w.isdigit()),
        }
        if i == 0 or text[tokens[i - 1][1]:tokens[i][0]].count("\n") or words[i - 1] in ".!?":
            f["sentence_start"] = 1.0
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                f[f"w{offset:+d}=" + words[j].lower()] = 1.0
                f[f"shape{offset:+d}=" + _shape(words[j])] = 1.0
            else:
                f[f"w{offset:+d}=<edge>"] = 1.0
        out.append(f)
    return out


def _decode(tokens: list[tuple[int, int]], proba: np.ndarray, tags: list[str]) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    scores: list[float] = []

    def close() -> None:
        if current is not None:
            current["score"] = float(np.mean(scores))
            spans.append(current)

    for (start, end), row in zip(tokens, proba):
        tag = tags[int(row.argmax())]
        if tag == "O":
            close()
            current, scores = None, []
            continue
        prefix, label = tag.split("-", 1)
        # an I- that does not continue a span of its label starts one (the usual BIO repair)
        if prefix == "B" or current is None or current["label"] != label:
            close()
            current, scores = {"start": start, "end": end, "label": label}, []
        current["end"] = end
        scores.append(float(row.max()))
    close()
    return spans
