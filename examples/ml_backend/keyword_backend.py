"""An example ML backend in labelwise's protocol (docs/ml-backends.md): a keyword text classifier.

It predicts the first `choices` control of the project's schema from the words of the text it labels:
before any training, an option whose name appears in the text wins; after `/train`, each word votes
for the labels it was seen with. Run it with

    pip install fastapi uvicorn
    uvicorn examples.ml_backend.keyword_backend:app --port 9090

and add http://127.0.0.1:9090 as a `labelwise` ML backend of a project.
"""

import re
from collections import Counter, defaultdict

from fastapi import FastAPI, HTTPException

WORD = re.compile(r"\w+", re.UNICODE)


def create_app() -> FastAPI:
    app = FastAPI(title="keyword backend")
    state = {"version": 0, "votes": defaultdict(Counter)}

    def model_version() -> str:
        return f"keywords-{state['version']}"

    def target(schema: dict) -> tuple[str, str, list[str]]:
        for name, control in schema.get("controls", {}).items():
            if control.get("type") == "choices":
                obj = schema["objects"][control["object"]]
                return name, obj.get("field", control["object"]), list(control["options"])
        raise HTTPException(422, "this backend needs a choices control")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model_version": model_version()}

    @app.post("/setup")
    def setup(body: dict) -> dict:
        target(body["schema"])
        return {"model_version": model_version()}

    @app.post("/predict")
    def predict(body: dict) -> dict:
        control, field, options = target(body["schema"])
        predictions = []
        for task in body["tasks"]:
            words = [w.lower() for w in WORD.findall(str(task["data"].get(field, "")))]
            tally = Counter()
            for word in words:
                tally.update(state["votes"].get(word, {}))
                if word in (o.lower() for o in options):
                    tally[next(o for o in options if o.lower() == word)] += 1
            if not tally:
                predictions.append({"task_id": task["id"], "result": {}})
                continue
            label, votes = tally.most_common(1)[0]
            predictions.append({"task_id": task["id"], "result": {control: label},
                                "score": round(votes / sum(tally.values()), 4)})
        return {"model_version": model_version(), "predictions": predictions}

    @app.post("/train")
    def train(body: dict) -> dict:
        control, field, _ = target(body["schema"])
        votes: defaultdict[str, Counter] = defaultdict(Counter)
        for task in body["tasks"]:
            label = task["result"].get(control)
            for word in WORD.findall(str(task["data"].get(field, ""))):
                votes[word.lower()][label] += 1
        state["votes"] = votes
        state["version"] += 1
        return {"model_version": model_version(), "trained_on": len(body["tasks"])}

    return app


app = create_app()
