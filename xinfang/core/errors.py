"""Domain errors: raised by services with a stable code and a Chinese message.

Pages show `message`; the API answers 400 {"code": ..., "detail": message}.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message
