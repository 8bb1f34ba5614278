"""`GET /reports/day`: the day's report (rule 25), as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ...domain.report_text import csv_text
from ..deps import DeskKey, ServicesDep
from ..schemas import ERRORS, camel_keys

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERRORS)

_ROW_EXAMPLE = {
    "group": "doctor", "key": "RAO", "name": "Dr Anjali Rao", "tokens": 42, "seen": 35,
    "noShows": 3, "cancelled": 2, "expired": 1, "unseen": 1, "bumped": 2, "promoted": 3,
    "overbookedSlots": 1, "waitMean": 18.5, "waitMedian": 15.0, "waitP90": 34.0,
    "consultMean": 9.5, "utilisation": 0.82, "firstCall": "2026-03-02T09:02:00",
    "lastCompletion": "2026-03-02T13:10:00",
}


@router.get(
    "/day",
    response_model=dict[str, Any],
    responses={200: {
        "description": "the report; CSV (a row per doctor, per source, then the total) with "
                       "`Accept: text/csv`",
        "content": {
            "application/json": {"example": {
                "day": "2026-03-02", "doctors": [_ROW_EXAMPLE], "sources": [],
                "total": {**_ROW_EXAMPLE, "group": "total", "key": "TOTAL",
                          "name": "All doctors"}}},
            "text/csv": {"example": "day,group,key,name,tokens,seen,no_shows,...\n"},
        },
    }},
)
def day_report(
    request: Request, key: DeskKey, services: ServicesDep, day: date | None = None
) -> Any:
    """Per doctor, per source and in total: tokens, seen, no-shows, cancelled, expired,
    unseen, bumped, promoted, overbooked slots, waits from check-in to call, consultation
    time, utilisation, first call and last completion, from the event log (a past day's
    report never changes). Default day: today."""
    report = services.engine.day_report(day or services.today())
    if "text/csv" in request.headers.get("accept", ""):
        return Response(csv_text(report), media_type="text/csv; charset=utf-8")
    return camel_keys(report.model_dump(mode="json"))
