"""The application layer: commands in, domain events out, aggregates (as of any moment) back.

==================  =====================================================================
``scheduler``       :class:`Scheduler`, the one public facade (every command and query)
``pipeline``        the steps every command goes through: authorize, replay, load, decide,
                    save, translate, retry
``programme``       what programme commands decide
``clusters``        what plan, province, host and trainer-team commands decide
``sessions``        what session commands decide (schedule, reschedule, cancel, ...)
``attendance``      enrolment, bulk recording (and the ``record`` CSV reader), voiding
``identities``      members under pseudonyms (the identity vault), erasing an identity
``queries``         aggregates now or as of a moment
``base``            the event store underneath: opening it, thread-safe loads, saves
``committed``       the cache of committed aggregates shared by threads
``retry``           :class:`RetryPolicy`
==================  =====================================================================
"""

from schedcore.application.base import AsOf, ProgrammeRef
from schedcore.application.retry import RetryPolicy
from schedcore.application.scheduler import Scheduler

__all__ = ["AsOf", "ProgrammeRef", "RetryPolicy", "Scheduler"]
