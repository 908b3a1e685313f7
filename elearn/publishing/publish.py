"""Publishing a draft and moving learners, from the trainer's pages.

Publishing lays the draft's package out in a private temporary folder and runs
:func:`elearn.content.importer.import_courses` on it, in the request's one transaction:
exactly what ``elearn courses import`` does with a folder on the server, so both ways give
the same version, the same activity ids and the same all-or-nothing behaviour.  Moving
learners is :func:`elearn.services.version_move.move_learners`, the service behind
``elearn courses move-learners``.

Each publish and each move (not the dry runs) is written to the accountability log in the
same transaction with the trainer's account, which the log's page shows by name (entries name
people by account id only, so an erased trainer shows as the tombstone); the version itself
records the trainer's name as ``published_by``, as the command records the system user.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from elearn.content.importer import ImportProblems, ImportResult, import_courses
from elearn.db import utcnow
from elearn.models import User
from elearn.privacy.audit import record
from elearn.publishing.builds import find_version
from elearn.publishing.models import CourseDraft
from elearn.publishing.package import read_package
from elearn.services.version_move import MoveResult, move_learners

PUBLISH_ACTION = "course_publish"
MOVE_ACTION = "learners_move"


class PublishError(ValueError):
    """The draft cannot be published as it is (already published, or changed meanwhile)."""


@dataclass
class PublishResult:
    result: ImportResult
    draft: CourseDraft


def _trainer_name(trainer: User) -> str:
    return (trainer.display_name or trainer.username)[:150]


def publish_draft(session: Session, draft: CourseDraft, trainer: User) -> PublishResult:
    """Publish ``draft`` as the next version of its course (flushes; the caller commits).

    Unchanged content publishes nothing, as with the command; the draft then points at the
    version it equals."""
    if draft.published_version_id is not None:
        raise PublishError("this draft has already been published")
    package = read_package(draft.package.data)
    with tempfile.TemporaryDirectory(prefix="elearn-publish-") as temporary:
        folder = package.write_to(Path(temporary))
        try:
            [result] = import_courses(session, folder, published_by=_trainer_name(trainer))
        except ImportProblems as exc:  # the rules changed since the upload
            raise PublishError(f"the files no longer pass validation: {exc.problems[0]}") \
                from None
    version = find_version(session, draft.slug, result.version)
    if version is None or version.content_hash != draft.content_hash:
        # the importer rendered something else than the draft's build (a changed renderer)
        raise PublishError("the draft no longer matches its files; upload it again")
    draft.published_version_id = version.id
    draft.published_at = utcnow()
    record(session, PUBLISH_ACTION, actor_id=trainer.id, details={"course": draft.slug, "version": result.version, "draft": draft.id,
                    "published": result.published, "changed": result.changed,
                    "removed": result.removed})
    session.flush()
    return PublishResult(result=result, draft=draft)


def move_to_newest(session: Session, slug: str, trainer: User, *, dry_run: bool) -> MoveResult:
    """Move every unfinished enrolment of course ``slug`` to its newest version (or say what
    would happen, with ``dry_run``).  Raises
    :class:`elearn.services.version_move.MoveError` for an unknown course."""
    result = move_learners(session, slug, dry_run=dry_run)
    if not dry_run:
        record(session, MOVE_ACTION, actor_id=trainer.id, details={"course": slug, "to_version": result.target_version,
                        "moved": len(result.moved), "skipped": len(result.skipped)})
    return result


__all__ = ["MOVE_ACTION", "PUBLISH_ACTION", "PublishError", "PublishResult", "move_to_newest",
           "publish_draft"]
