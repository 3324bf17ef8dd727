"""A machine prediction as imported or posted: a result the schema accepts, plus the model's version and scores."""

from typing import Any

from labelwise.errors import Invalid
from labelwise.schema.specs import LabelSchema
from labelwise.schema.validation import validate_result


def prediction_values(schema: LabelSchema, data: dict, item: dict, *, where: str, line: int | None,
                      out_of_range: list[str] | None = None) -> dict[str, Any]:
    """Validate one prediction object (result, model_version, score, scores) and return its column values.
    With a list as `out_of_range`, regions past the media's bounds are kept and noted there under `where`."""
    notes = None if out_of_range is None else []
    try:
        result = validate_result(schema, data, item["result"], out_of_range=notes)
    except Invalid as exc:
        prefix = f"row {line}: " if line is not None else ""
        raise Invalid(f"{prefix}{where}: {exc.message}", field=f"{where}.{exc.field}", line=line) from None
    if notes:
        out_of_range.extend(f"{where}: {note}" for note in notes)
    score = item.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise Invalid(f"{where}: 'score' must be a number", field=f"{where}.score", line=line)
    scores = item.get("scores")
    if scores is not None and not isinstance(scores, dict):
        raise Invalid(f"{where}: 'scores' must be an object of label to score", field=f"{where}.scores", line=line)
    version = item.get("model_version", "unknown")
    if not isinstance(version, str) or not version or len(version) > 200:
        raise Invalid(f"{where}: 'model_version' must be a string of 1-200 characters",
                      field=f"{where}.model_version", line=line)
    return {"result": result, "score": score, "scores": scores, "model_version": version}
