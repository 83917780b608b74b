"""Every error is a SchedcoreError and the builtin a caller would catch."""

from __future__ import annotations

import pytest

import schedcore
from schedcore import errors


def test_every_public_error_is_rooted_in_schedcore_error_and_documented() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            assert issubclass(cls, schedcore.SchedcoreError)
            assert cls.__doc__, f"{name} needs a docstring"


@pytest.mark.parametrize(
    ("error", "builtin", "exit_code"),
    [
        (errors.InvalidInputError, ValueError, 2),
        (errors.NotFoundError, LookupError, 2),
        (errors.UnknownProvinceError, LookupError, 2),
        (errors.UnknownProvinceError, ValueError, 2),
        (errors.ConcurrencyError, RuntimeError, 4),
        (errors.PermissionDeniedError, PermissionError, 5),
        (errors.InfeasiblePlanError, schedcore.SchedcoreError, 3),
        (errors.MissingDependencyError, ImportError, 1),
    ],
)
def test_errors_subclass_the_fitting_builtin_and_carry_their_exit_code(
    error: type[schedcore.SchedcoreError], builtin: type[BaseException], exit_code: int
) -> None:
    assert issubclass(error, builtin)
    assert error.exit_code == exit_code


def test_an_infeasible_plan_error_lists_its_conflicts() -> None:
    error = errors.InfeasiblePlanError(
        "no plan fits",
        [errors.Conflict("hall_capacity", "Hà Nội's hall seats 300, its cluster sends 900")],
    )
    assert error.conflicts[0].name == "hall_capacity"
    assert "hall_capacity: Hà Nội's hall" in str(error)
