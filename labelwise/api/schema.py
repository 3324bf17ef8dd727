"""Label schema helpers for the UI: ready-made templates and live validation."""

from typing import Any

from fastapi import APIRouter, Body

from labelwise.api.deps import UserDep
from labelwise.core.projects.projects import checked_schema
from labelwise.schema import TEMPLATES

router = APIRouter(prefix="/schema", tags=["schema"])


@router.get("/templates")
def templates(_user: UserDep) -> dict[str, Any]:
    """Ready-made schemas, each with a title, description, schema and an example task and result."""
    return TEMPLATES


@router.post("/validate")
def validate(_user: UserDep, source: dict[str, Any] | str = Body(..., embed=True)) -> dict[str, Any]:
    """Parse a schema (object, or YAML/JSON text) and return its normalised form; 422 names the problem."""
    return {"valid": True, "schema": checked_schema(source).to_dict()}
