"""The caller of a request, as the middleware found it, and where it is kept on the ASGI scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from starlette.types import Scope

Mode = Literal["token", "users", "none"]
SCOPE_KEY = "netcanvas.principal"  # an ASGI scope extension key: the middleware sets it, deps read it
COOKIE = "netcanvas_session"
TOKEN_MODE_NAME = "local"  # the name /api/auth/me gives the single user of token mode


@dataclass(frozen=True)
class Principal:
    """`signed_in` False: no (valid) credentials. In users mode `user_id` is the users.id."""

    mode: Mode
    signed_in: bool
    user_id: str | None = None
    name: str | None = None
    is_admin: bool = False

    @property
    def owner(self) -> str | None:
        """The owner to stamp on what this caller makes and to filter what it sees by; None in
        token/none mode, where the one person using the server owns everything."""
        return self.user_id if self.mode == "users" else None


def principal_of(scope: Scope, mode: Mode) -> Principal:
    found = scope.get(SCOPE_KEY)
    if isinstance(found, Principal):
        return found
    return Principal(mode=mode, signed_in=mode == "none")  # an app built without the middleware
