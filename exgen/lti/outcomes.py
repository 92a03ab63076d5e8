"""What a launch links to the platform, and what flows back: courses (LTI contexts), the
gradebook columns (AGS line items) that receive an assignment's scores, the students bound to
their LMS accounts, the passback of kept scores, and the class list (NRPS).

**One line item per assignment and course.** A link that comes with a line item of its own
(deep linking asks the platform for one; Moodle and Canvas make one for a graded activity) is
used as it is. A link without one, on a platform that lets tools manage line items, gets exactly
one made by exgen: looked for first on the platform (resource id = the assignment's name, tag
``exgen``), made only when absent, under a lock on the course's row so two first launches at
once do not make two.

**One score per student.** ``lti_scores`` has one row per (line item, student): the student's
LMS user id, and an outbox. Whatever may change a student's kept score — a web submission, an
answer sheet or filled worksheet graded, a regrade — marks their rows *pending* in the same
transaction (:func:`mark_changed`), so a change is never lost when the platform is down or the
process dies. Sending (:func:`send_pending`) claims pending rows with a lease (so processes do
not post the same row at once), reads the kept score as it is then, posts it
(``activityProgress`` Completed, ``gradingProgress`` FullyGraded, the assignment's full marks
as ``scoreMaximum``) unless that very score was the last one posted, and clears the row only if
no newer change arrived meanwhile. A failure is recorded on the row and retried later, with a
growing pause.

Who sends: in ``exgen serve``, a thread per process (:class:`Outbox`) woken as soon as a
transaction that marked rows commits — the student's answer is not delayed by the platform —
and every ``RETRY_SECONDS`` for retries. ``exgen grade`` and ``exgen regrade`` send what they
marked right after their transaction commits; ``exgen lti sync NAME`` posts every kept score of
an assignment again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exgen.lti import LtiError, claims
from exgen.storage.models import (Assignment, LtiContext, LtiLineItem, LtiPlatform, LtiScore, Student, utcnow)

log = logging.getLogger("exgen.lti")

#: How long a claimed row is left to the process that claimed it.
LEASE = timedelta(seconds=120)
#: Rows claimed per round trip.
BATCH = 100
#: How often a serving process looks for rows to retry.
RETRY_SECONDS = 60.0
#: Longest pause between two attempts at one row.
MAX_BACKOFF = timedelta(hours=6)
PENDING_FLAG = "exgen_lti_pending"


def _url(value) -> str | None:
    return value[:1000] if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite keeps naive UTC
        return moment.replace(tzinfo=timezone.utc)
    return moment


# -- courses and line items ------------------------------------------------------------------------
def link_context(session: Session, launch, assignment: Assignment) -> tuple[LtiContext | None, str]:
    """Record the launch's course for this assignment (where its line items and class list
    are) and make sure its line item exists. Returns (context, note): the note says why grades
    cannot go back, if they cannot. A launch without a course (no context claim) links nothing."""
    if not launch.context_id:
        return None, "this link is not in a course, so no grades go back"
    platform = launch.platform
    context = _context_row(session, platform.id, launch.context_id, assignment.id)
    ags = launch.ags
    scopes = [s for s in ags.get("scope", []) if isinstance(s, str)] if isinstance(ags.get("scope"), list) else []
    context.deployment_id = launch.deployment_id
    context.title = launch.context_title or context.title or ""
    context.lineitems_url = _url(ags.get("lineitems")) or context.lineitems_url
    context.memberships_url = launch.memberships_url or context.memberships_url
    context.scopes = scopes
    session.flush()
    line_item = _url(ags.get("lineitem"))
    if line_item:
        _line_item_row(session, context, line_item, by_tool=False)
        note = "" if claims.SCOPE_SCORE in scopes else "the platform does not let exgen send scores (AGS score scope)"
        return context, note
    if not ags:
        return context, "the platform sent no grade service (AGS) with this link, so no grades go back"
    if not context.lineitems_url or claims.SCOPE_LINEITEM not in scopes:
        return context, "the link has no gradebook column and the platform does not let exgen make one"
    try:
        _tool_line_item(session, platform, context, assignment)
    except Exception as e:  # a platform error must not fail the launch: the next launch tries again
        from exgen.lti.platform_api import PlatformError

        if not isinstance(e, PlatformError):
            raise
        log.warning("lti: cannot make the line item of %s in %s: %s", assignment.name, platform.issuer, e)
        return context, f"the gradebook column could not be made yet ({e}); the next launch tries again"
    return context, ""


def _context_row(session: Session, platform_id: int, context_id: str, assignment_id: int) -> LtiContext:
    where = (LtiContext.platform_id == platform_id, LtiContext.context_id == context_id,
             LtiContext.assignment_id == assignment_id)
    row = session.scalar(select(LtiContext).where(*where))
    if row is None:
        try:
            with session.begin_nested():
                row = LtiContext(platform_id=platform_id, context_id=context_id, assignment_id=assignment_id,
                                 deployment_id="", title="", scopes=[])
                session.add(row)
        except IntegrityError:  # another launch made it at the same moment
            row = session.scalar(select(LtiContext).where(*where))
    return row


def _line_item_row(session: Session, context: LtiContext, url: str, by_tool: bool) -> LtiLineItem:
    row = session.scalar(select(LtiLineItem).where(LtiLineItem.context_pk == context.id, LtiLineItem.url == url))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LtiLineItem(context_pk=context.id, url=url, created_by_tool=by_tool)
            session.add(row)
    except IntegrityError:
        return session.scalar(select(LtiLineItem).where(LtiLineItem.context_pk == context.id, LtiLineItem.url == url))
    # the course's students known from its other line items get a row here too
    known = session.execute(select(LtiScore.student_pk, LtiScore.user_id).join(LtiLineItem)
                            .where(LtiLineItem.context_pk == context.id, LtiScore.line_item_id != row.id)
                            .distinct()).all()
    for student_pk, user_id in known:
        _score_row(session, row.id, student_pk, user_id)
    return row


def _tool_line_item(session: Session, platform: LtiPlatform, context: LtiContext, assignment: Assignment) -> None:
    from exgen.lti import platform_api
    from exgen.storage.results import max_score

    mine = select(LtiLineItem.id).where(LtiLineItem.context_pk == context.id, LtiLineItem.created_by_tool.is_(True))
    if session.scalar(mine) is not None:
        return
    # Hold the course's row until commit: a second first launch waits here, then finds the row.
    session.execute(update(LtiContext).where(LtiContext.id == context.id).values(title=LtiContext.title))
    if session.scalar(mine) is not None:
        return
    scopes = tuple(s for s in (claims.SCOPE_LINEITEM,) if s in context.scopes)
    found = platform_api.find_line_items(session, platform, context.lineitems_url, assignment.name, scopes)
    if found:
        url = found[0]["id"]
    else:
        url = platform_api.create_line_item(session, platform, context.lineitems_url, {
            "scoreMaximum": max_score(assignment.definition), "label": assignment.title[:255],
            "resourceId": assignment.name, "tag": claims.LINE_ITEM_TAG}, scopes)
    if not _url(url):
        raise platform_api.PlatformError("new line item: its id is not a URL")
    _line_item_row(session, context, url, by_tool=True)


# -- students ---------------------------------------------------------------------------------------
def _score_row(session: Session, line_item_id: int, student_pk: int, user_id: str) -> LtiScore:
    from exgen.storage.results import kept_scores

    row = session.scalar(select(LtiScore).where(LtiScore.line_item_id == line_item_id,
                                                 LtiScore.student_pk == student_pk))
    if row is not None:
        return row
    student = session.get(Student, student_pk)
    # graded (or decided by the teacher) before the first launch: to be sent
    pending = student_pk in kept_scores(session, session.get(Assignment, student.assignment_id), [student_pk])
    try:
        with session.begin_nested():
            row = LtiScore(line_item_id=line_item_id, student_pk=student_pk, user_id=user_id[:255],
                           pending=pending, generation=0, failures=0, last_error="")
            session.add(row)
    except IntegrityError:
        return session.scalar(select(LtiScore).where(LtiScore.line_item_id == line_item_id,
                                                     LtiScore.student_pk == student_pk))
    if pending:
        session.info[PENDING_FLAG] = True
    return row


def bind_student(session: Session, context: LtiContext | None, student_pk: int, user_id: str) -> None:
    """Tie a roster student to their LMS account in this course: their scores go to that user
    id in each of the course's line items. A roster entry already tied to another account of
    the platform is refused (LtiError 409): scores must never go to someone else."""
    if context is None or not user_id:
        return
    for line_item_id in session.scalars(select(LtiLineItem.id).where(LtiLineItem.context_pk == context.id)):
        row = _score_row(session, line_item_id, student_pk, user_id)
        if row.user_id != user_id[:255]:
            raise LtiError("this roster entry is already linked to another account of your learning platform; "
                           "ask your teacher to check the class list", 409)


def student_for(session: Session, launch, assignment: Assignment) -> Student:
    """The roster student of a learner's launch: the first of their possible ids (custom
    ``student_id``, SIS id, LTI user id) that is on the roster; a learner the roster lacks is
    added (with their variants, exactly as ``exgen assign`` with a longer roster would), under
    the assignment's lock so that two first launches at once add them once."""
    from exgen.grading.store import lock_assignment
    from exgen.storage.records import add_students
    from exgen.variants.roster import RosterEntry

    candidates = launch.student_ids
    if not candidates:
        raise LtiError("the learning platform sent no user id with this launch (an anonymous launch), so "
                       "exgen cannot tell which student you are", 403)

    def on_roster() -> Student | None:
        found = {s.student_id: s for s in session.scalars(select(Student).where(
            Student.assignment_id == assignment.id, Student.student_id.in_(candidates)))}
        return next((found[c] for c in candidates if c in found), None)

    student = on_roster()
    if student is None:
        lock_assignment(session, assignment.id)
        student = on_roster()
        if student is None:
            add_students(session, assignment.name, [RosterEntry(candidates[0], launch.name)])
            student = on_roster()
    return student


# -- the kept score's passback ------------------------------------------------------------------------
def mark_changed(session: Session, student_pks) -> int:
    """The kept score of these students may have changed: their passback rows become pending,
    in the caller's transaction (sent once it commits). Returns how many rows."""
    pks = [pk for pk in set(student_pks) if pk is not None]
    if not pks:
        return 0
    if len(pks) == 1:  # a web submission: one prebuilt statement
        from exgen.storage.rows import PASSBACK_PENDING

        count = session.execute(PASSBACK_PENDING, {"yes": True, "student": pks[0]}).rowcount
    else:
        count = 0
        table = LtiScore.__table__
        for n in range(0, len(pks), 500):
            count += session.execute(update(table).where(table.c.student_pk.in_(pks[n:n + 500])).values(
                pending=True, generation=table.c.generation + 1, next_try_at=None, failures=0)).rowcount
    marked_pending(session, count)
    return count


def marked_pending(session: Session, count: int) -> None:
    """``count`` passback rows became pending in this transaction (by :func:`mark_changed`, or
    within a web submission's own statement on PostgreSQL): they are sent once it commits."""
    if count:
        session.info[PENDING_FLAG] = True


def resend(session: Session, assignment_id: int) -> int:
    """Every kept score of an assignment is to be posted again, even one the platform has."""
    ids = select(LtiScore.id).join(LtiLineItem).join(LtiContext).where(LtiContext.assignment_id == assignment_id)
    rows = session.execute(update(LtiScore).where(LtiScore.id.in_(ids)).values(
        pending=True, generation=LtiScore.generation + 1, next_try_at=None, failures=0,
        posted_submission_id=None).execution_options(synchronize_session=False)).rowcount
    if rows:
        session.info[PENDING_FLAG] = True
    return rows


@dataclass
class PassbackSummary:
    sent: int = 0
    unchanged: int = 0  # the platform has this very score already
    failed: int = 0
    errors: list = field(default_factory=list)  # (student id, message), the first few

    def line(self) -> str:
        parts = [f"{self.sent} score{'' if self.sent == 1 else 's'} sent to the learning platform"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.failed:
            parts.append(f"{self.failed} failed (kept, retried later; exgen lti sync NAME tries now)")
        return "lti: " + ", ".join(parts)


@dataclass
class _Claimed:
    id: int
    student_pk: int
    student_id: str
    user_id: str
    generation: int
    posted_submission_id: int | None
    posted_score: float | None
    url: str
    platform_id: int
    assignment_id: int


def _claim(session: Session, assignment_id: int | None, now: datetime) -> list[_Claimed]:
    due = (select(LtiScore.id).join(LtiLineItem, LtiLineItem.id == LtiScore.line_item_id)
           .join(LtiContext, LtiContext.id == LtiLineItem.context_pk)
           .where(LtiScore.pending.is_(True),
                  or_(LtiScore.next_try_at.is_(None), LtiScore.next_try_at <= now),
                  or_(LtiScore.lease_until.is_(None), LtiScore.lease_until < now))
           .order_by(LtiScore.id).limit(BATCH))
    if assignment_id is not None:
        due = due.where(LtiContext.assignment_id == assignment_id)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(of=LtiScore, skip_locked=True)
    ids = []
    for candidate in session.scalars(due).all():
        # taken only if no one took it since it was read (SQLite reads without locking)
        taken = session.execute(update(LtiScore).where(
            LtiScore.id == candidate, LtiScore.pending.is_(True),
            or_(LtiScore.lease_until.is_(None), LtiScore.lease_until < now)).values(lease_until=now + LEASE)
            .execution_options(synchronize_session=False)).rowcount
        if taken:
            ids.append(candidate)
    if not ids:
        return []
    rows = session.execute(
        select(LtiScore.id, LtiScore.student_pk, Student.student_id, LtiScore.user_id, LtiScore.generation,
               LtiScore.posted_submission_id, LtiScore.posted_score, LtiLineItem.url, LtiContext.platform_id,
               LtiContext.assignment_id)
        .join(LtiLineItem, LtiLineItem.id == LtiScore.line_item_id)
        .join(LtiContext, LtiContext.id == LtiLineItem.context_pk)
        .join(Student, Student.id == LtiScore.student_pk)
        .where(LtiScore.id.in_(ids)).order_by(LtiScore.id)).all()
    return [_Claimed(*row) for row in rows]


def _backoff(failures: int) -> timedelta:
    return min(timedelta(seconds=60 * 2 ** min(failures - 1, 12)), MAX_BACKOFF)


def _finish(session: Session, row: _Claimed, now: datetime, posted: tuple[int, float] | None = None,
            error: str = "") -> None:
    table = LtiScore.__table__
    values: dict = {"lease_until": None}
    if error:
        values.update(failures=table.c.failures + 1, last_error=error[:500])
    else:
        values.update(pending=case((table.c.generation == row.generation, False), else_=True),
                      failures=0, last_error="", next_try_at=None)
        if posted is not None:
            values.update(posted_submission_id=posted[0], posted_score=posted[1], posted_at=now)
    session.execute(update(table).where(table.c.id == row.id).values(**values))
    if error:  # the pause grows with the failures recorded just now
        failures = session.scalar(select(LtiScore.failures).where(LtiScore.id == row.id)) or 1
        session.execute(update(table).where(table.c.id == row.id).values(next_try_at=now + _backoff(failures)))


def score_message(user_id: str, score: float, full_marks: float, when: datetime) -> dict:
    """An AGS score (``application/vnd.ims.lis.v1.score+json``): the kept score, graded."""
    return {"userId": user_id, "scoreGiven": round(score, 6), "scoreMaximum": full_marks,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": when.astimezone(timezone.utc).isoformat(timespec="milliseconds")}


def send_pending(url: str, assignment_id: int | None = None, max_rounds: int = 1000) -> PassbackSummary:
    """Post every pending, due score (of one assignment, or all) to its platform."""
    from exgen.lti.platform_api import PlatformError, post_score
    from exgen.storage.results import kept_scores, max_score
    from exgen.storage.session import session_scope

    summary = PassbackSummary()
    unreachable: dict[int, str] = {}  # platform id -> error, for the rest of this run
    for _ in range(max_rounds):
        now = utcnow()
        with session_scope(url) as session:
            claimed = _claim(session, assignment_id, now)
        for row in claimed:
            error, posted = unreachable.get(row.platform_id, ""), None
            if not error:
                with session_scope(url) as session:
                    assignment = session.get(Assignment, row.assignment_id)
                    kept = kept_scores(session, assignment, [row.student_pk]).get(row.student_pk)
                    same = (kept is not None and row.posted_submission_id == kept[0]
                            and row.posted_score is not None and abs(row.posted_score - kept[1]) < 1e-9)
                    if kept is not None and not same:
                        platform = session.get(LtiPlatform, row.platform_id)
                        try:
                            post_score(session, platform, row.url,
                                       score_message(row.user_id, kept[1], max_score(assignment.definition), utcnow()),
                                       (claims.SCOPE_SCORE,))
                            posted = kept
                        except PlatformError as e:
                            error = str(e)
                            if e.status is None or e.status in (401, 403) and "access token" in error:
                                unreachable[row.platform_id] = error
            with session_scope(url) as session:
                _finish(session, row, now, posted, error)
            if error:
                summary.failed += 1
                if len(summary.errors) < 20:
                    summary.errors.append((row.student_id, error))
            elif posted is not None:
                summary.sent += 1
            else:
                summary.unchanged += 1
        if len(claimed) < BATCH:
            break
    return summary


# -- sending in the background (exgen serve) -------------------------------------------------------
class Outbox:
    """One thread per serving process that sends pending scores: at once when a transaction
    that marked some commits (:func:`notify`), and every ``interval`` seconds for retries."""

    def __init__(self, url: str, interval: float = RETRY_SECONDS):
        self.url, self.interval = url, interval
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="exgen-lti-outbox", daemon=True)

    def start(self) -> "Outbox":
        from exgen.storage.session import engine_for

        _OUTBOXES[engine_for(self.url)] = self
        self._thread.start()
        self._wake.set()  # rows left pending by an earlier run
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 20.0) -> None:
        from exgen.storage.session import engine_for

        _OUTBOXES.pop(engine_for(self.url), None)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                summary = send_pending(self.url)
                if summary.failed:
                    log.warning("%s; first: %s", summary.line(), summary.errors[0][1])
            except Exception:  # the thread must go on; the rows stay pending
                log.exception("lti: sending scores failed")


_OUTBOXES: dict = {}


def notify(engine) -> None:
    outbox = _OUTBOXES.get(engine)
    if outbox is not None:
        outbox.wake()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(PENDING_FLAG, False):
        notify(session.get_bind())


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_FLAG, None)


# -- the class list (NRPS) ------------------------------------------------------------------------------
@dataclass
class RosterSummary:
    members: int = 0
    learners: int = 0
    matched: int = 0
    added: list = field(default_factory=list)  # student ids added to the roster
    refused: list = field(default_factory=list)  # (student id, reason)

    def line(self, name: str) -> str:
        text = (f"{name}: {self.learners} learners in the course's class list, {self.matched} on the roster, "
                f"{len(self.added)} added")
        return text + (f", {len(self.refused)} refused" if self.refused else "")


def sync_roster(session: Session, context: LtiContext, assignment: Assignment) -> RosterSummary:
    """Read the course's class list and match its active learners to the roster (SIS id, then
    LTI user id); a learner the roster lacks is added with their variants. Each is bound to
    their LMS account, so their scores — also of answer sheets and worksheets graded on paper —
    go back to the gradebook."""
    from exgen.grading.store import lock_assignment
    from exgen.lti.platform_api import members
    from exgen.storage.records import add_students
    from exgen.variants.roster import RosterEntry

    if not context.memberships_url:
        raise LtiError("the platform sent no class list service (NRPS) with this course's launches", 409)
    platform = session.get(LtiPlatform, context.platform_id)
    summary = RosterSummary()
    people = members(session, platform, context.memberships_url)
    summary.members = len(people)
    lock_assignment(session, assignment.id)
    roster = dict(session.execute(select(Student.student_id, Student.id)
                                  .where(Student.assignment_id == assignment.id)).all())
    bindings, new = [], {}
    for member in people:
        roles = member.get("roles") if isinstance(member.get("roles"), list) else []
        if member.get("status", "Active") != "Active" or not claims.is_learner(roles) or claims.is_instructor(roles):
            continue
        user_id = member.get("user_id")
        if not isinstance(user_id, str) or not user_id.strip():
            continue
        summary.learners += 1
        ids = [v.strip()[:100] for v in (member.get("lis_person_sourcedid"), user_id)
               if isinstance(v, str) and v.strip()]
        match = next((i for i in ids if i in roster), None)
        if match is not None:
            summary.matched += 1
            bindings.append((match, user_id))
        elif ids[0] not in new:
            name = member.get("name") if isinstance(member.get("name"), str) else ""
            if not name:
                name = " ".join(p for p in (member.get("given_name"), member.get("family_name")) if isinstance(p, str))
            email = member.get("email") if isinstance(member.get("email"), str) else ""
            new[ids[0]] = RosterEntry(ids[0], name.strip()[:300], {"email": email[:300]} if email else {})
            bindings.append((ids[0], user_id))
    if new:
        add_students(session, assignment.name, list(new.values()))
        summary.added = list(new)
        roster = dict(session.execute(select(Student.student_id, Student.id)
                                      .where(Student.assignment_id == assignment.id)).all())
    for student_id, user_id in bindings:
        try:
            with session.begin_nested():
                bind_student(session, context, roster[student_id], user_id)
        except LtiError as e:
            summary.refused.append((student_id, str(e)))
    return summary
