"""Web submissions at the same time: one student's attempts are counted one at a time (two
simultaneous submissions under ``attempts = 1`` give exactly one attempt), while different
students' submissions do not wait for each other on PostgreSQL and a file grader waits for
them (and they for it)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from exgen.grading.store import lock_assignment, submit_answers
from exgen.storage.links import student_for_token
from exgen.storage.models import Student, Submission
from exgen.storage.session import engine_for, session_scope
from service_helpers import answers, assign_hw3, links


def student(session, sid):
    return session.scalar(select(Student).where(Student.student_id == sid))


@pytest.mark.parametrize("found_by", ["roster", "link"])
def test_two_simultaneous_submissions_of_one_student_make_one_attempt(database_url, tmp_path, found_by):
    """``link``: as the service finds a student (on PostgreSQL the lookup takes the locks)."""
    assign_hw3(database_url, tmp_path, "attempts = 1")
    tokens = {sid: path.rsplit("/", 1)[1] for sid, path in links(database_url).items()}
    for sid in ("s001", "s002", "s003"):  # a few rounds: the race must never be won twice
        written, _ = answers(database_url, sid)
        barrier = threading.Barrier(2)
        outcomes, failures = [], []

        def hand_in():
            try:
                with session_scope(database_url) as session:
                    if found_by == "link":
                        barrier.wait(timeout=10)
                        me = student_for_token(session, tokens[sid], lock=True)
                    else:
                        me = student(session, sid)
                        barrier.wait(timeout=10)
                    outcomes.append(submit_answers(session, me, written, "{}"))
            except Exception as e:  # noqa: BLE001 (reported below)
                failures.append(e)

        threads = [threading.Thread(target=hand_in) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not failures, failures
        assert sorted((o.status, o.attempt, o.refused) for o in outcomes) == [
            ("graded", 1, ""), ("rejected", None, "attempts")]
        with session_scope(database_url) as session:
            rows = session.execute(select(Submission.status, Submission.attempt, Submission.current)
                                   .where(Submission.student_ref == sid).order_by(Submission.id)).all()
        assert sorted(map(tuple, rows), key=str) == sorted([("graded", 1, True), ("rejected", None, False)], key=str)


@pytest.mark.postgres
def test_different_students_do_not_wait_and_a_file_grader_waits_for_them(fresh_postgres_url, tmp_path):
    url = fresh_postgres_url
    assign_hw3(url, tmp_path)
    first, _ = answers(url, "s001")
    second, _ = answers(url, "s002")
    factory = sessionmaker(bind=engine_for(url), expire_on_commit=False)
    holding = factory()  # s001's submission, its transaction still open
    try:
        submit_answers(holding, student(holding, "s001"), first, "{}")
        with factory() as other:
            other.execute(text("SET lock_timeout = '3s'"))
            outcome = submit_answers(other, student(other, "s002"), second, "{}")  # does not wait
            assert outcome.status == "graded"
            other.commit()
        with factory() as grader:
            grader.execute(text("SET lock_timeout = '300ms'"))
            assignment_id = student(grader, "s001").assignment_id
            with pytest.raises(OperationalError, match="lock timeout"):
                lock_assignment(grader, assignment_id)  # a file grader waits for the open submission
            grader.rollback()
        holding.commit()
        with factory() as grader:
            grader.execute(text("SET lock_timeout = '3s'"))
            lock_assignment(grader, student(grader, "s001").assignment_id)  # now it goes ahead
            with factory() as web:  # and a submission waits while the grader holds the assignment
                web.execute(text("SET lock_timeout = '300ms'"))
                with pytest.raises(OperationalError, match="lock timeout"):
                    submit_answers(web, student(web, "s003"), second, "{}")
            grader.rollback()
    finally:
        holding.close()
