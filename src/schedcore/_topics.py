"""The topics under which the events of some classes may be stored.

A runner whose models declare the event classes they fold reads only those topics from the
log.  A class is stored under its own topic (``module:Qualname``), and, once topic aliases are
registered with ``eventsourcing.utils.register_topic`` (for a class, or for the module or
aggregate class it lives in, so that a moved class still reads its old events), under each
alias too: every one of them is part of the filter, or old events would be passed over.
"""

from __future__ import annotations

import types
from collections.abc import Iterable

from eventsourcing import utils

__all__ = ["topics_of"]


def topics_of(classes: Iterable[type]) -> tuple[str, ...]:
    """Every topic that resolves to one of ``classes``: their own and their registered aliases."""
    wanted = set(classes)
    found = {utils.get_topic(cls) for cls in wanted}
    aliases = list(utils._topic_cache.items())  # the registry has no public listing
    for alias, target in aliases:
        if target in wanted and ":" in alias:
            found.add(alias)
            continue
        for cls in wanted:
            suffix = _below(cls, target)
            if suffix is None:
                continue
            if isinstance(target, types.ModuleType):
                found.add(f"{alias}:{suffix}" if ":" not in alias else f"{alias}.{suffix}")
            else:
                found.add(f"{alias}.{suffix}")
    return tuple(sorted(found))


def _below(cls: type, target: object) -> str | None:
    """The rest of ``cls``'s qualified name if ``target`` is its module or an enclosing class."""
    if isinstance(target, types.ModuleType):
        return cls.__qualname__ if cls.__module__ == target.__name__ else None
    if isinstance(target, type) and target is not cls:
        prefix = f"{target.__qualname__}."
        if cls.__module__ == target.__module__ and cls.__qualname__.startswith(prefix):
            return cls.__qualname__[len(prefix) :]
    return None
