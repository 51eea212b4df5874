"""Comments and flags: a thread in, a thread out, the inbox's query and page."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.comments.reading import INBOX_KINDS, INBOX_STATES
from textlabel.comments.service import MAX_BODY
from textlabel.schemas.common import JsonBool, PageQuery

_BODY = {"description": f"the text, 1 to {MAX_BODY:,} characters (plain text, never HTML)"}


class ThreadIn(Schema):
    body = fields.Str(required=True, metadata=_BODY)
    kind = fields.Str(load_default="comment", validate=validate.OneOf(("comment", "flag")),
                      metadata={"description": "flag: a problem with the document"})  # fmt: skip
    start = fields.Int(load_default=None, allow_none=True,
                       metadata={"description": "the span's first character (with end; "
                                                "neither: the whole document)"})  # fmt: skip
    end = fields.Int(load_default=None, allow_none=True,
                     metadata={"description": "one past the span's last character; snapped "
                                              "to whole tokens"})  # fmt: skip


class ReplyIn(Schema):
    body = fields.Str(required=True, metadata=_BODY)


class ReadIn(Schema):
    up_to = fields.Int(load_default=None, allow_none=True, validate=validate.Range(min=1),
                       metadata={"description": "the last comment read (default: the "
                                                "thread's latest)"})  # fmt: skip


class ResolveIn(Schema):
    resolved = JsonBool(required=True, metadata={"description": "true resolves, false reopens"})


class PostOut(Schema):
    id = fields.Int()
    author = fields.Str(allow_none=True)
    body = fields.Str()
    created_at = fields.DateTime()


class ThreadOut(Schema):
    id = fields.Int()
    document_id = fields.Int()
    kind = fields.Str()
    start = fields.Int(allow_none=True)
    end = fields.Int(allow_none=True)
    token_start = fields.Int(allow_none=True)
    token_end = fields.Int(allow_none=True)
    quote = fields.Str(allow_none=True, metadata={"description": "the span's words"})
    author = fields.Str(allow_none=True)
    body = fields.Str()
    created_at = fields.DateTime()
    resolved = fields.Bool()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.Str(allow_none=True)
    may_resolve = fields.Bool(metadata={"description": "whether the caller may resolve it"})
    last_at = fields.DateTime()
    last_author = fields.Str(allow_none=True)
    replies = fields.List(fields.Nested(PostOut))
    last_id = fields.Int(metadata={"description": "the latest comment's id (to mark read)"})
    unread = fields.Int(metadata={"description": "comments by others the caller has not "
                                                 "read (POST .../read marks them)"})  # fmt: skip
    waiting = fields.Bool(metadata={"description": "the caller opened or answered the thread "
                                                   "and has not read all of it"})  # fmt: skip


class ThreadListOut(Schema):
    threads = fields.List(fields.Nested(ThreadOut))


class InboxQuery(PageQuery):
    state = fields.Str(load_default="open", validate=validate.OneOf(INBOX_STATES))
    kind = fields.Str(load_default="all", validate=validate.OneOf(INBOX_KINDS))
    mine = fields.Bool(
        load_default=False, metadata={"description": "threads the caller opened or answered"}
    )
    unread = fields.Bool(load_default=False, metadata={
        "description": "threads with comments the caller has not read"})  # fmt: skip
    document = fields.Int(load_default=None, validate=validate.Range(min=1))


class InboxOut(Schema):
    threads = fields.List(fields.Nested(ThreadOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()
    open = fields.Int(metadata={"description": "open threads the caller sees"})
    flags = fields.Int(metadata={"description": "open flags among them"})
    waiting = fields.Int(metadata={"description": "threads the caller opened or answered "
                                                  "with comments they have not read"})  # fmt: skip
    unread = fields.Int(metadata={"description": "threads with comments the caller has not "
                                                 "read"})  # fmt: skip


class ReadAllOut(Schema):
    marked = fields.Int(metadata={"description": "threads that were unread, now read"})
    open = fields.Int(metadata={"description": "open threads the caller sees"})
    flags = fields.Int(metadata={"description": "open flags among them"})
    waiting = fields.Int(metadata={"description": "unread threads the caller took part in"})
    unread = fields.Int(metadata={"description": "unread threads (0 unless one just came)"})
