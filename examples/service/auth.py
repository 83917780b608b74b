"""Bearer tokens for the example service: HS256 JSON Web Tokens signed with a shared secret.

A token names who calls (``sub``), in which role (``role``: ``planner``,
``cluster_coordinator`` or ``province_coordinator``) and, for coordinators, the scope of the
role (``scope``: the cluster number or the province code); ``exp`` ends it.  The secret comes
from ``$SCHEDCORE_SERVICE_SECRET`` (at least 32 bytes, RFC 7518 section 3.2); whoever holds it
can issue tokens (``python -m service.token``), so it belongs with the service's other secrets.

:func:`actor_from_token` turns a verified token into an :class:`~schedcore.Actor` with its
constructors, so a token can never make its bearer an operator.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

import jwt

from schedcore import Actor
from schedcore.errors import SchedcoreError

__all__ = [
    "ALGORITHM",
    "ROLES",
    "SECRET_ENV",
    "AuthenticationError",
    "ConfigurationError",
    "actor_from_token",
    "issue_token",
    "service_secret",
]

SECRET_ENV = "SCHEDCORE_SERVICE_SECRET"
ALGORITHM = "HS256"
#: The roles a token may carry; an operator (all rights) is deliberately not one of them.
ROLES = ("planner", "cluster_coordinator", "province_coordinator")
#: RFC 7518 section 3.2: an HS256 key must be at least as long as the hash (256 bits).
MIN_SECRET_BYTES = 32


class AuthenticationError(SchedcoreError):
    """No valid bearer token: missing, malformed, forged, expired or with bad claims (401)."""


class ConfigurationError(SchedcoreError, RuntimeError):
    """The service is not configured to authenticate anyone (no or too short a secret)."""


def service_secret(environ: Mapping[str, str] | None = None) -> str:
    """The signing secret from ``$SCHEDCORE_SERVICE_SECRET``; refuses a missing or short one."""
    secret = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    if not secret.strip():
        raise ConfigurationError(
            f"set {SECRET_ENV} to the secret that signs the service's bearer tokens "
            f"(at least {MIN_SECRET_BYTES} bytes, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`); "
            "the service does not start without one"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"{SECRET_ENV} is {len(secret.encode())} bytes long; HS256 needs at least "
            f"{MIN_SECRET_BYTES} (RFC 7518 section 3.2)"
        )
    return secret


def _actor(name: str, role: str, scope: str | None) -> Actor:
    """The actor of these claims, or :class:`ValueError` saying what is wrong with them."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "planner":
        if scope is not None:
            raise ValueError("a planner has no scope")
        return Actor.planner(name)
    if scope is None or not scope.strip():
        raise ValueError(f"a {role} needs a scope")
    if role == "cluster_coordinator":
        if not scope.isdigit() or int(scope) < 1:
            raise ValueError(f"scope {scope!r}: a cluster coordinator's scope is its cluster")
        return Actor.cluster_coordinator(name, int(scope))
    return Actor.province_coordinator(name, scope)


def issue_token(
    secret: str,
    *,
    actor: str,
    role: str,
    scope: str | int | None = None,
    hours: float = 12.0,
    now: dt.datetime | None = None,
) -> str:
    """A signed token for ``actor`` in ``role`` (with ``scope`` for coordinators)."""
    if hours <= 0:
        raise ValueError(f"hours must be positive, not {hours!r}")
    text_scope = None if scope is None else str(scope)
    try:
        _actor(actor, role, text_scope)  # refuse what the service would refuse
    except SchedcoreError as exc:
        raise ValueError(str(exc)) from None
    issued = now or dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": actor,
        "role": role,
        "iat": issued,
        "exp": issued + dt.timedelta(hours=hours),
    }
    if text_scope is not None:
        claims["scope"] = text_scope
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def actor_from_token(token: str, secret: str) -> Actor:
    """The :class:`Actor` a bearer token names, once its signature and expiry are verified.

    Raises :class:`AuthenticationError` for any token that is not exactly one of ours.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "role", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the bearer token has expired") from None
    except jwt.InvalidSignatureError:
        raise AuthenticationError("the bearer token's signature is not valid") from None
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError(f"the bearer token is not valid: {exc}") from None
    name, role, scope = claims["sub"], claims["role"], claims.get("scope")
    if not isinstance(name, str) or not isinstance(role, str):
        raise AuthenticationError("the bearer token's sub and role must be text")
    if scope is not None and not isinstance(scope, str | int):
        raise AuthenticationError("the bearer token's scope must be a cluster or a province")
    try:
        return _actor(name, role, None if scope is None else str(scope))
    except (ValueError, SchedcoreError) as exc:
        raise AuthenticationError(f"the bearer token's claims are not valid: {exc}") from None


def bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if authorization is None or not authorization.strip():
        raise AuthenticationError("this route needs an Authorization: Bearer <token> header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be: Bearer <token>")
    return token.strip()
