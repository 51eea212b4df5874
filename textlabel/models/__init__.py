"""Every ORM model, imported here so metadata (and Alembic) sees them all."""

from textlabel.models.activity import Event, Job
from textlabel.models.agreement import AgreementStats, ReportCache
from textlabel.models.annotation import Annotation, Span
from textlabel.models.base import Base
from textlabel.models.comment import Comment, CommentRead
from textlabel.models.document import Document, DocumentCount
from textlabel.models.project import Label, LayerLabel, Membership, Project
from textlabel.models.review import ReviewItem
from textlabel.models.training import ModelVersion
from textlabel.models.user import ApiToken, LoginThrottle, User

__all__ = [
    "AgreementStats",
    "ApiToken",
    "Annotation",
    "Base",
    "Comment",
    "CommentRead",
    "Document",
    "DocumentCount",
    "Event",
    "Job",
    "Label",
    "LoginThrottle",
    "LayerLabel",
    "Membership",
    "ModelVersion",
    "Project",
    "ReportCache",
    "ReviewItem",
    "Span",
    "User",
]
