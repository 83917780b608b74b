from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.browser import launched


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with launched() as running:
        yield running
