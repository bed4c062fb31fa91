"""Identifiers and object keys.

Application and upload ids are 26-character Crockford base32 strings: 48 bits of milliseconds then 80
random bits, so they sort by creation time and cannot be guessed. Object keys are built only from
these ids and the program/material ids of the catalogue, never from anything the applicant typed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID = r"[0-9A-HJKMNP-TV-Z]{26}"
_SLUG = r"[a-z][a-z0-9_-]*[a-z0-9]"
ID_PATTERN = f"^{_ID}$"
UPLOAD_PREFIX = "uploads/"
_KEY = re.compile(rf"^uploads/(?P<program>{_SLUG})/(?P<app>{_ID})/(?P<material>{_SLUG})/(?P<upload>{_ID})$")


def new_id(now: datetime) -> str:
    value = (int(now.timestamp() * 1000) << 80) | secrets.randbits(80)
    return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass(frozen=True, slots=True)
class UploadKey:
    program_id: str
    application_id: str
    material_id: str
    upload_id: str

    def __str__(self) -> str:
        return f"{UPLOAD_PREFIX}{self.program_id}/{self.application_id}/{self.material_id}/{self.upload_id}"

    @classmethod
    def parse(cls, key: str) -> UploadKey | None:
        """The parts of a key this system issued, or None for any other key."""
        m = _KEY.match(key)
        return cls(m["program"], m["app"], m["material"], m["upload"]) if m else None
