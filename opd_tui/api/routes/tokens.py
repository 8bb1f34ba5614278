"""Tokens: the seed's `POST /tokens/book` and `POST /tokens/cancel/{tokenId}`,
emergencies, and every step of a token's day.

A portal key books ONLINE tokens and cancels or reads only the tokens it booked;
every other command needs a desk key. Booking and emergency take an
`Idempotency-Key`: a retried request returns its first answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from ...domain.enums import EventKind, Source, TokenStatus
from ...domain.errors import InvalidInput
from ...domain.models import Event, Token
from ..deps import DeskKey, EngineDep, IdempotencyKey, PortalKey, ServicesDep, TokenId
from ..errors import Forbidden
from ..idempotency import fingerprint
from ..keys import ApiKey, Scope
from ..schemas import (
    ERRORS,
    BookIn,
    BookingOut,
    BookingStatus,
    CancelOut,
    EmergencyIn,
    MoveIn,
    ReasonIn,
    TokenDetailOut,
    TokenOut,
)

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=ERRORS)


def booking_answer(token: Token, done: Sequence[Event]) -> BookingOut:
    """The seed's answer, from the booking's own events (never another desk's)."""
    bumped = next((e.token_id for e in done
                   if e.kind == EventKind.BUMPED and e.token_id != token.id), None)
    status: BookingStatus
    if token.status == TokenStatus.WAITLISTED:
        status = "WAITLISTED"
    elif token.source == Source.EMERGENCY:
        status = "ALLOCATED_EMERGENCY"
    elif bumped is not None:
        status = "ALLOCATED_BY_BUMPING"
    else:
        status = "ALLOCATED"
    return BookingOut(status=status, token=TokenOut.of(token), bumped_token=bumped)


def _portal_owns(services: ServicesDep, key: ApiKey, token_id: int) -> None:
    """A portal key touches only the tokens it booked."""
    if key.scope is Scope.PORTAL and services.keys.owner(token_id) != key.id:
        raise Forbidden(f"The key {key.name} is a portal key: it can see and cancel only "
                        "the tokens it booked.")


def _source(text: str) -> Source:
    try:
        return Source.parse(text)
    except ValueError as error:
        raise InvalidInput(f"source: {str(error).removeprefix('source ')}",
                           field="source") from None


@router.post("/book", status_code=201, response_model=BookingOut)
def book(
    body: BookIn,
    request: Request,
    key: PortalKey,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    """Book a patient into a slot (rules 1-3): a free seat, else a seat taken from a
    lower-priority booking (`ALLOCATED_BY_BUMPING`, naming `bumpedToken`), else the
    waitlist. `priority` is ignored (the source decides); `doctorId`, if sent, must be
    the slot's doctor. A portal key books ONLINE only."""
    source = _source(body.source)
    if key.scope is Scope.PORTAL:
        if source is not Source.ONLINE:
            raise Forbidden(f"The key {key.name} is a portal key: it books ONLINE tokens only.")
        if body.in_hall:
            raise Forbidden("inHall: a portal cannot check a patient in; the desk does.")
    engine = services.engine

    def work() -> BookingOut:
        if body.doctor_id is not None and engine.slot(body.slot_id).doctor_id != body.doctor_id:
            raise InvalidInput(f"doctorId: slot {body.slot_id} belongs to another doctor",
                               field="doctorId")
        with engine.consequences() as done:
            token = engine.book(body.slot_id, body.patient_name, source, body.patient_ref,
                                age=body.age, sex=body.sex, in_hall=body.in_hall)
        return booking_answer(token, done)

    def booked(answer: BookingOut) -> int:
        return answer.token.id

    return services.idempotency.once(
        key, idempotency_key, fingerprint("POST", request.url.path, body), work, 201,
        booked if key.scope is Scope.PORTAL else None)


@router.post("/emergency", status_code=201, response_model=BookingOut)
def emergency(
    body: EmergencyIn,
    request: Request,
    key: DeskKey,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    """An emergency is always seated (rule 2), over capacity if need be, bumping nobody:
    into `slotId`, else the doctor's current slot, else the next one today."""
    engine = services.engine

    def work() -> BookingOut:
        with engine.consequences() as done:
            token = engine.emergency(body.doctor_id, body.patient_name, body.slot_id,
                                     body.patient_ref, age=body.age, sex=body.sex,
                                     in_hall=body.in_hall)
        return booking_answer(token, done)

    return services.idempotency.once(
        key, idempotency_key, fingerprint("POST", request.url.path, body), work, 201)


@router.post("/cancel/{token_id}", response_model=CancelOut)
def cancel(token_id: TokenId, key: PortalKey, services: ServicesDep) -> CancelOut:
    """Cancel a booked, checked-in or waitlisted token (rule 5); the seat it frees goes
    to the head of the waitlist (`CANCELLED_AND_REALLOCATED`, naming
    `reallocatedToken`). A portal key cancels only the tokens it booked."""
    _portal_owns(services, key, token_id)
    engine = services.engine
    with engine.consequences() as done:
        token = engine.cancel(token_id)
    promoted = next((e.token_id for e in done if e.kind == EventKind.PROMOTED), None)
    return CancelOut(
        status="CANCELLED_AND_REALLOCATED" if promoted is not None else "CANCELLED_NO_WAITLIST",
        token=TokenOut.of(token),
        reallocated_token=promoted,
    )


@router.get("", response_model=list[TokenOut])
def search(
    key: DeskKey,
    engine: EngineDep,
    q: Annotated[str, Query(max_length=100, description="token number, name, phone or "
                            "hospital number")],
    day: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[TokenOut]:
    """Find tokens as the desk's search does (never written to the request log)."""
    return [TokenOut.of(t) for t in engine.search(q, day=day, limit=limit)]


@router.get("/{token_id}", response_model=TokenDetailOut)
def get_token(token_id: TokenId, key: PortalKey, services: ServicesDep) -> TokenDetailOut:
    """A token with its estimated time (rule 16). A portal key reads only the tokens
    it booked."""
    _portal_owns(services, key, token_id)
    token = services.engine.token(token_id)
    eta = services.engine.eta(token_id)
    return TokenDetailOut(**TokenOut.of(token).model_dump(), eta=eta)


@router.post("/{token_id}/check-in", response_model=TokenOut)
def check_in(token_id: TokenId, key: DeskKey, engine: EngineDep) -> TokenOut:
    """The patient is in the hall (rule 7)."""
    return TokenOut.of(engine.check_in(token_id))


@router.post("/{token_id}/no-show", response_model=TokenOut)
def no_show(token_id: TokenId, key: DeskKey, engine: EngineDep) -> TokenOut:
    """A booked patient did not come; allowed once the slot has started (rule 6)."""
    return TokenOut.of(engine.no_show(token_id))


@router.post("/{token_id}/move", response_model=TokenOut)
def move(token_id: TokenId, body: MoveIn, key: DeskKey, engine: EngineDep) -> TokenOut:
    """Move a booked or waitlisted token to a slot where it gets a seat (rule 11)."""
    return TokenOut.of(engine.move(token_id, body.slot_id))


@router.post("/{token_id}/complete", response_model=TokenOut)
def complete(token_id: TokenId, key: DeskKey, engine: EngineDep) -> TokenOut:
    """The consultation is over (rule 9)."""
    return TokenOut.of(engine.complete(token_id))


@router.post("/{token_id}/reinstate", response_model=TokenOut)
def reinstate(token_id: TokenId, body: ReasonIn, key: DeskKey, engine: EngineDep) -> TokenOut:
    """Undo a cancel, no-show, expiry or unseen of today, with the reason (rule 21)."""
    return TokenOut.of(engine.reinstate(token_id, body.reason))


@router.post("/{token_id}/undo-check-in", response_model=TokenOut)
def undo_check_in(
    token_id: TokenId, body: ReasonIn, key: DeskKey, engine: EngineDep
) -> TokenOut:
    """Checked in by mistake: back to booked (rule 21)."""
    return TokenOut.of(engine.undo_check_in(token_id, body.reason))


@router.post("/{token_id}/requeue", response_model=TokenOut)
def requeue(token_id: TokenId, body: ReasonIn, key: DeskKey, engine: EngineDep) -> TokenOut:
    """Called but not there: back to booked in the same slot (rule 21)."""
    return TokenOut.of(engine.requeue(token_id, body.reason))
