"""Token numbers: how they are written, and the ways a receptionist types them."""

from __future__ import annotations

import re

#: `RAO-14`, `rao 014`, `KHAN-7`: a doctor code, a separator, the count.
_WITH_SEPARATOR = re.compile(r"^([A-Z0-9]{1,6})[\s-]+0*(\d{1,5})$")
#: `RAO14`: without a separator only a code of letters is unambiguous.
_RUN_TOGETHER = re.compile(r"^([A-Z]{1,6})0*(\d{1,5})$")


def token_number(code: str, n: int) -> str:
    """SPEC §2: `{doctor.code}-{n:03d}`."""
    return f"{code}-{n:03d}"


def typed_number(text: str) -> str | None:
    """The token number `text` was meant as (`rao-2` -> `RAO-002`), or None."""
    typed = text.strip().upper()
    match = _WITH_SEPARATOR.match(typed) or _RUN_TOGETHER.match(typed)
    if match is None or int(match.group(2)) == 0:
        return None
    return token_number(match.group(1), int(match.group(2)))
