"""Forecasts of time and cost to completion, per project and per batch."""

from typing import Any

from fastapi import APIRouter

from labelwise.api.deps import SessionDep, UserDep
from labelwise.core.crowd import forecast

router = APIRouter(tags=["forecasts"])


@router.get("/projects/{project_id}/forecast", response_model=dict[str, Any])
def project_forecast(project_id: int, user: UserDep, session: SessionDep):
    """`{"project": ..., "batches": [...]}`: each with remaining answers, throughput, ETA with its 80 %
    interval (eta_low, eta_high), cost spent and to go (with interval), per-annotator pace, and the
    burn-down (`history`: [time, remaining]; `forecast`: [time, expected, low, high])."""
    return forecast.project_forecast(session, user, project_id)


@router.get("/batches/{batch_id}/forecast", response_model=dict[str, Any])
def batch_forecast(batch_id: int, user: UserDep, session: SessionDep):
    """One batch's forecast, with its deadline (`on_time`) and budget (`over_budget`)."""
    return forecast.batch_forecast(session, user, batch_id)
