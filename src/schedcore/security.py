"""Who may do what: roles, their scopes, and the :class:`Actor` every command carries.

Three roles come from the programme itself:

* a **national planner** shapes the plan: programmes, clusters, hosts, trainer teams and
  every cluster's session;
* a **cluster coordinator** manages the session of its own cluster (date, venue, capacity,
  bridge points, cancelled or held), nothing else;
* a **province coordinator** enrols members and records (or voids) attendance of its own
  province, nothing else.

A fourth, the **operator**, is what a plain string actor is (``actor="ministry"``): a trusted
local user (a script, the CLI on a planner's laptop, a test) who may do everything.  Whoever
can open a SQLite file or hold the database's password can write anything anyway, so roles
there guard against mistakes, not attackers; a service is different.  A service therefore
turns operators off, and then only :class:`Actor` values with a role are accepted, and no
text at all is taken as an actor: text often comes from a request, and text must never be
able to claim a role.  Operators are off when the programme was created with
``require_roles=True`` (recorded in its ``Programme.Created`` event, so no caller can forget
it), or when the store is opened with ``require_roles=True`` or ``$SCHEDCORE_REQUIRE_ROLES=1``.

What an actor is recorded as, on every event of its commands (``str(actor)``):

==========================================  ===========================================
``Actor.planner("minh")``                   ``planner:minh``
``Actor.cluster_coordinator("lan", 3)``     ``cluster_coordinator[3]:lan``
``Actor.province_coordinator("an", "02")``  ``province_coordinator[02]:an``
``Actor.operator("ministry")``, ``"ministry"``  ``ministry`` (no role prefix: an operator)
==========================================  ===========================================

:meth:`Actor.parse` reads these forms back, so an operator may also *lower* its own rights by
passing a role's text form (``actor="province_coordinator[02]:an"``); text never raises them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping

import attrs

from schedcore.errors import InvalidInputError, PermissionDeniedError

__all__ = [
    "PERMISSIONS",
    "REQUIRE_ROLES_ENV",
    "Actor",
    "ActorLike",
    "Role",
    "authorize",
    "resolve_actor",
]

#: Set to ``1`` (or ``true``/``yes``) to refuse operators in every store this process opens.
REQUIRE_ROLES_ENV = "SCHEDCORE_REQUIRE_ROLES"


class Role(enum.StrEnum):
    """What an actor is allowed to do; see :data:`PERMISSIONS`."""

    PLANNER = "planner"
    """The national planner: programmes, clusters and sessions."""
    CLUSTER_COORDINATOR = "cluster_coordinator"
    """The coordinator of one cluster: that cluster's session."""
    PROVINCE_COORDINATOR = "province_coordinator"
    """The coordinator of one province: that province's enrolment and attendance."""
    OPERATOR = "operator"
    """A trusted local user (a plain string actor): everything, unless roles are required."""


_SCOPED = (Role.PLANNER, Role.CLUSTER_COORDINATOR, Role.PROVINCE_COORDINATOR)
_TEXT_FORM = re.compile(
    r"^(?P<role>planner|cluster_coordinator|province_coordinator)"
    r"(?:\[(?P<scope>[^\]]*)\])?:(?P<name>.*)$",
    re.DOTALL,
)
#: A prefix that looks like a role's text form, well-formed or not.
_ROLE_PREFIX = re.compile(r"^(planner|cluster_coordinator|province_coordinator)\s*[\[:]")


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("every command needs an actor (who asked), got none")
    if any(ch in name for ch in "\r\n\x00"):
        raise InvalidInputError(f"an actor's name is one line of text, not {name!r}")
    return name


@attrs.frozen
class Actor:
    """Who sends a command: a name, a role and, for coordinators, the scope of the role.

    Build one with :meth:`planner`, :meth:`cluster_coordinator`, :meth:`province_coordinator`
    or :meth:`operator`; the constructor checks that the scope fits the role.
    """

    name: str
    role: Role
    cluster: int | None = None
    province: str | None = None

    def __attrs_post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.role, Role):
            raise InvalidInputError(f"an actor's role must be a Role, not {self.role!r}")
        if self.role is Role.CLUSTER_COORDINATOR:
            if type(self.cluster) is not int or self.cluster < 1:
                raise InvalidInputError(
                    f"a cluster coordinator needs a cluster number >= 1, not {self.cluster!r}"
                )
        elif self.cluster is not None:
            raise InvalidInputError(f"a {self.role} has no cluster scope")
        if self.role is Role.PROVINCE_COORDINATOR:
            if not isinstance(self.province, str) or not self.province.strip():
                raise InvalidInputError(
                    f"a province coordinator needs a province code, not {self.province!r}"
                )
            if any(ch in self.province for ch in "[]\r\n"):
                raise InvalidInputError(f"a province code cannot be {self.province!r}")
        elif self.province is not None:
            raise InvalidInputError(f"a {self.role} has no province scope")
        if self.role is Role.OPERATOR and _ROLE_PREFIX.match(self.name):
            raise InvalidInputError(
                f"an operator cannot be named {self.name!r}: it reads as a role "
                "(use Actor.parse to read a role's text form)"
            )

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def planner(cls, name: str) -> Actor:
        """A national planner called ``name``: may send every command."""
        return cls(name, Role.PLANNER)

    @classmethod
    def cluster_coordinator(cls, name: str, cluster: int) -> Actor:
        """A coordinator called ``name`` of cluster number ``cluster``: the session commands of
        that cluster only.
        """
        return cls(name, Role.CLUSTER_COORDINATOR, cluster=cluster)

    @classmethod
    def province_coordinator(cls, name: str, province: str) -> Actor:
        """A coordinator called ``name`` of province ``province``: enrolment, attendance and voiding
        for that province only.
        """
        return cls(name, Role.PROVINCE_COORDINATOR, province=province)

    @classmethod
    def operator(cls, name: str) -> Actor:
        """An operator called ``name``: a trusted local user who may send every command, unless the
        programme or the store requires roles.
        """
        return cls(name, Role.OPERATOR)

    @classmethod
    def parse(cls, text: str) -> Actor:
        """Read an actor's recorded form: ``planner:NAME``, ``cluster_coordinator[N]:NAME``,
        ``province_coordinator[CODE]:NAME``; any other text is an operator of that name.

        Text that starts like a role but is malformed (a missing or wrong scope) is an
        :class:`InvalidInputError`, never an operator: a typo must not widen anyone's rights.
        """
        name = _check_name(text)
        match = _TEXT_FORM.match(name)
        if match is None:
            if _ROLE_PREFIX.match(name):
                raise InvalidInputError(
                    f"actor {name!r}: write planner:NAME, cluster_coordinator[N]:NAME or "
                    "province_coordinator[CODE]:NAME"
                )
            return cls.operator(name)
        role, scope, who = Role(match["role"]), match["scope"], match["name"]
        if role is Role.PLANNER:
            if scope is not None:
                raise InvalidInputError(f"actor {name!r}: a planner has no scope")
            return cls.planner(who)
        if scope is None:
            raise InvalidInputError(f"actor {name!r}: a {role} needs its scope in brackets")
        if role is Role.CLUSTER_COORDINATOR:
            if not scope.isdigit():
                raise InvalidInputError(f"actor {name!r}: the cluster must be a number")
            return cls.cluster_coordinator(who, int(scope))
        return cls.province_coordinator(who, scope)

    # -- the recorded form -----------------------------------------------------------------

    def __str__(self) -> str:
        if self.role is Role.OPERATOR:
            return self.name
        if self.role is Role.CLUSTER_COORDINATOR:
            return f"{self.role}[{self.cluster}]:{self.name}"
        if self.role is Role.PROVINCE_COORDINATOR:
            return f"{self.role}[{self.province}]:{self.name}"
        return f"{self.role}:{self.name}"

    def describe(self) -> str:
        """The actor in words, for error messages."""
        if self.role is Role.CLUSTER_COORDINATOR:
            return f"{self.name} (coordinator of cluster {self.cluster})"
        if self.role is Role.PROVINCE_COORDINATOR:
            return f"{self.name} (coordinator of province {self.province})"
        if self.role is Role.PLANNER:
            return f"{self.name} (national planner)"
        return f"{self.name} (operator)"


#: What commands accept as their ``actor``.
ActorLike = Actor | str

_PLAN = frozenset({Role.PLANNER})
_SESSION = frozenset({Role.PLANNER, Role.CLUSTER_COORDINATOR})
_ATTENDANCE = frozenset({Role.PROVINCE_COORDINATOR})

#: Which roles may send each command (operators may send all of them).
PERMISSIONS: Mapping[str, frozenset[Role]] = {
    "create_programme": _PLAN,
    "change_target": _PLAN,
    "change_daily_bridge_capacity": _PLAN,
    "rename_programme": _PLAN,
    "change_calendar": _PLAN,
    "apply_plan": _PLAN,
    "assign_province": _PLAN,
    "move_province": _PLAN,
    "withdraw_province": _PLAN,
    "set_host": _PLAN,
    "assign_trainer_team": _PLAN,
    "schedule_session": _SESSION,
    "reschedule_session": _SESSION,
    "change_venue": _SESSION,
    "change_capacity": _SESSION,
    "cancel_session": _SESSION,
    "reinstate_session": _SESSION,
    "connect_bridge_points": _SESSION,
    "disconnect_bridge_points": _SESSION,
    "mark_session_held": _SESSION,
    "enrol_members": _ATTENDANCE,
    "record_attendance": _ATTENDANCE,
    "void_records": _ATTENDANCE,
    "erase_member": _PLAN,
}


def resolve_actor(actor: object, *, require_roles: bool) -> Actor:
    """The :class:`Actor` a command's ``actor`` argument stands for.

    With ``require_roles``, only an :class:`Actor` with a role is accepted: no operator, and no
    text of any form (text may come from a request; it must not be able to claim a role).
    """
    if isinstance(actor, Actor):
        if require_roles and actor.role is Role.OPERATOR:
            raise PermissionDeniedError(
                f"{actor.describe()}: this programme requires an actor with a role "
                "(Actor.planner, Actor.cluster_coordinator or Actor.province_coordinator)"
            )
        return actor
    if isinstance(actor, str) and require_roles:
        _check_name(actor)
        raise PermissionDeniedError(
            f"actor {actor!r} is text, and this programme requires an Actor with a role: "
            "build one with Actor.planner, Actor.cluster_coordinator or "
            "Actor.province_coordinator after authenticating the caller"
        )
    if not isinstance(actor, str):
        raise InvalidInputError(
            f"an actor is an Actor or a name, not {type(actor).__name__}: {actor!r}"
        )
    return Actor.parse(actor)


def authorize(
    actor: Actor,
    command: str,
    *,
    cluster: int | None = None,
    provinces: Iterable[object] = (),
) -> Actor:
    """Check that ``actor`` may send ``command`` (about ``cluster`` or ``provinces``).

    Raises :class:`PermissionDeniedError` naming the actor, the command and what its role
    allows; returns the actor.  Called before a command reads or writes anything.
    """
    allowed = PERMISSIONS.get(command)
    if allowed is None:  # pragma: no cover - every command is listed; a new one must be
        raise PermissionDeniedError(f"no role may send the unknown command {command!r}")
    if actor.role is Role.OPERATOR:
        return actor
    if actor.role not in allowed:
        who = " or ".join(_ROLE_WORDS[role] for role in _SCOPED if role in allowed)
        raise PermissionDeniedError(
            f"{actor.describe()} may not {command.replace('_', ' ')}: only {who} may"
        )
    if actor.role is Role.CLUSTER_COORDINATOR and cluster != actor.cluster:
        raise PermissionDeniedError(
            f"{actor.describe()} may not {command.replace('_', ' ')} of cluster {cluster}"
        )
    if actor.role is Role.PROVINCE_COORDINATOR:
        others = sorted({str(p) for p in provinces} - {actor.province})
        if others:
            raise PermissionDeniedError(
                f"{actor.describe()} may not {command.replace('_', ' ')} for province "
                f"{', '.join(others)}; nothing was recorded"
            )
    return actor


_ROLE_WORDS = {
    Role.PLANNER: "a national planner",
    Role.CLUSTER_COORDINATOR: "the cluster's coordinator",
    Role.PROVINCE_COORDINATOR: "the province's coordinator",
}
