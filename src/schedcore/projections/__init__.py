"""Projections: read models that follow the event log, rebuild from zero, answer "as of".

``ProjectionRunner(app)`` keeps every read model beside the events; ``runner.catch_up()``
brings them up to date; ``runner.views()`` answers questions; ``views_as_of(app, ...)`` answers
them as of a past moment or log position, ``views_on(app, day, facts=...)`` as of the end of a
programme day.
See ``docs/concepts/projections.md`` for the design and ``docs/how-to/read-models.md`` for use.
"""

from schedcore.projections._database import ViewDatabase, connect_views
from schedcore.projections.audit import AuditEntry, AuditModel
from schedcore.projections.bridge import BridgeCoverage, BridgeModel, SessionBridge
from schedcore.projections.calendar_view import CalendarModel, SessionEntry
from schedcore.projections.catalogue import ProgrammeCatalogue, ProgrammeFacts, UnitFacts
from schedcore.projections.coverage import (
    CoverageModel,
    CoverageRow,
    Grouping,
    Progress,
    Status,
    progress,
)
from schedcore.projections.model import Column, Envelope, ReadModel, Table
from schedcore.projections.queries import Views
from schedcore.projections.roster import ClusterRoster, RosterModel
from schedcore.projections.runner import (
    CatchUp,
    ErrorPolicy,
    Lag,
    ProjectionRunner,
    default_models,
)
from schedcore.projections.shares import Share
from schedcore.projections.status import ModelStatus
from schedcore.projections.time_travel import views_as_of, views_on
from schedcore.projections.tracking import DeadLetter, Position

__all__ = [
    "AuditEntry",
    "AuditModel",
    "BridgeCoverage",
    "BridgeModel",
    "CalendarModel",
    "CatchUp",
    "ClusterRoster",
    "Column",
    "CoverageModel",
    "CoverageRow",
    "DeadLetter",
    "Envelope",
    "ErrorPolicy",
    "Grouping",
    "Lag",
    "ModelStatus",
    "Position",
    "ProgrammeCatalogue",
    "ProgrammeFacts",
    "Progress",
    "ProjectionRunner",
    "ReadModel",
    "RosterModel",
    "SessionBridge",
    "SessionEntry",
    "Share",
    "Status",
    "Table",
    "UnitFacts",
    "ViewDatabase",
    "Views",
    "connect_views",
    "default_models",
    "progress",
    "views_as_of",
    "views_on",
]
