"""Long jobs without a broker (design §11): the job API through a real client on the service's
own process pool, results identical to what the commands write, bad requests refused naming the
field, and the runner's promises — a part run twice does its work once, a part that keeps dying
fails the job, a restarted service finishes the jobs it had queued — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import time
import zipfile

from sqlalchemy import select, update

from cli_runner import run
from exgen.jobs.files import FileStore
from exgen.jobs.runner import MAX_ATTEMPTS, create_job, job_status, run_job_here, run_part
from exgen.storage.models import Job, JobPart
from exgen.storage.session import session_scope
from service_helpers import BASE, EXAMPLES, answers, assign_hw3, client, links, teacher_token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def wait_done(c, headers, job_id, timeout=180.0) -> tuple[dict, list[int]]:
    """Poll the job until it is over; its last status and every ``done`` seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        status = c.get(f"/api/jobs/{job_id}", headers=headers)
        assert status.status_code == 200, status.text
        body = status.json()
        seen.append(body["done"])
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            return body, seen
        time.sleep(0.2)


def zipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_render_job_over_http_is_exgen_render(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    h = bearer(teacher_token(database_url))
    with client(database_url, files=str(tmp_path / "files")) as c:
        r = c.post("/api/assignments/hw3/render", headers=h)
        assert r.status_code == 202 and r.headers["location"] == f"/api/jobs/{r.json()['job']}"
        some = c.post("/api/assignments/hw3/render", headers=h, json={"students": ["s004", "s002"], "combined": True})
        assert some.status_code == 202
        status, seen = wait_done(c, h, r.json()["job"])
        assert status["state"] == "done", status
        assert status["done"] == status["total"] == 5 and status["kind"] == "render"
        assert status["result"] == f"{BASE}/api/jobs/{status['job']}/result"
        assert seen == sorted(seen)  # progress only goes up
        download = c.get(status["result"], headers=h)
        assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
        assert 'filename="hw3-documents.zip"' in download.headers["content-disposition"]
        files = zipped(download.content)
        partial, _ = wait_done(c, h, some.json()["job"])
        assert partial["state"] == "done" and partial["total"] == 2
        chosen = zipped(c.get(partial["result"], headers=h).content)
    # byte for byte what exgen render writes (worksheets fillable, their QR code the link here)
    out = tmp_path / "cli"
    run(database_url, "render", "hw3", "--out", str(out), "--base-url", BASE)
    written = {f"hw3/{path.name}": path.read_bytes() for path in out.iterdir()}
    assert files == written and len(files) == 10
    assert sorted(chosen) == ["hw3/all-keys.pdf", "hw3/all-worksheets.pdf", "hw3/s002-key.pdf",
                              "hw3/s002-worksheet.pdf", "hw3/s004-key.pdf", "hw3/s004-worksheet.pdf"]
    assert chosen["hw3/s004-key.pdf"] == written["hw3/s004-key.pdf"]
    # nothing half-written is left in the store: the results, and no scratch files
    left = sorted(str(p.relative_to(tmp_path / "files")) for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert left == [f"jobs/{status['job']}/hw3-documents.zip", f"jobs/{partial['job']}/hw3-documents.zip"]


def test_export_report_and_regrade_jobs(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    h = bearer(teacher_token(database_url))
    written, _ = answers(database_url, "s002", "slip")
    with client(database_url, files=str(tmp_path / "files")) as c:
        assert c.post(f"/api{links(database_url)['s002']}/submissions", json={"answers": written}).status_code == 201
        before = c.get("/api/assignments/hw3/results", headers=h).json()
        export = wait_done(c, h, c.post("/api/assignments/hw3/export/moodle", headers=h).json()["job"])[0]
        assert export["state"] == "done", export
        assert export["summary"].startswith("moodle export, 2 exercises")
        assert c.get(export["result"], headers=h).content == c.get("/api/assignments/hw3/export/moodle", headers=h).content
        report = wait_done(c, h, c.post("/api/assignments/hw3/report", headers=h).json()["job"])[0]
        pdf = c.get(report["result"], headers=h)
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        for _ in range(2):  # a regrade done twice leaves the same marks
            regrade = wait_done(c, h, c.post("/api/assignments/hw3/regrade", headers=h).json()["job"])[0]
            assert regrade["state"] == "done" and regrade["result"] is None and regrade["total"] == 1
            assert "1 stored rows re-marked (1 graded, 0 rejected), 0 scores changed" in regrade["summary"]
            assert c.get("/api/assignments/hw3/results", headers=h).json() == before
        none = c.get(f"/api/jobs/{regrade['job']}/result", headers=h)
        assert none.status_code == 404 and none.json()["error"].startswith("job:")


def test_bad_requests_name_the_field(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    h = bearer(teacher_token(database_url))
    with client(database_url, files=str(tmp_path / "files")) as c:
        def refused(status, start, path, **kw):
            r = c.request(kw.pop("method", "POST"), path, headers=kw.pop("headers", h), **kw)
            assert r.status_code == status and r.json()["error"].startswith(start), (path, r.text)

        refused(401, "authorization:", "/api/assignments/hw3/render", headers={})
        refused(401, "authorization:", "/api/jobs/1", method="GET", headers={})
        refused(404, "name: no assignment named 'nope'", "/api/assignments/nope/render")
        refused(404, "name:", "/api/assignments/nope/report")
        refused(404, "name:", "/api/assignments/nope/regrade")
        refused(404, "format: unknown export format", "/api/assignments/hw3/export/pdf")
        refused(422, "students[1]: 's999' is not on the roster of hw3", "/api/assignments/hw3/render",
                json={"students": ["s001", "s999"]})
        refused(422, "students: an empty list", "/api/assignments/hw3/render", json={"students": []})
        refused(422, "students.0:", "/api/assignments/hw3/render", json={"students": [7]})
        refused(422, "paper:", "/api/assignments/hw3/render", json={"paper": "a3"})
        refused(422, "colour:", "/api/assignments/hw3/render", json={"colour": "red"})
        refused(422, "body:", "/api/assignments/hw3/render", content=b"{", headers={**h, "content-type": "application/json"})
        refused(404, "job: no job 999", "/api/jobs/999", method="GET")
        refused(422, "job_id:", "/api/jobs/0", method="GET")
        refused(422, "job_id:", "/api/jobs/99999999999", method="GET")
        refused(404, "job: no job 999", "/api/jobs/999/result", method="GET")
        with session_scope(database_url) as session:  # queued, never sent: nothing to download yet
            job_id = create_job(session, "report", "hw3").id
        refused(409, f"job: {job_id} is queued", f"/api/jobs/{job_id}/result", method="GET")
    with session_scope(database_url) as session:
        assert session.scalars(select(Job.kind)).all() == ["report"]  # refused requests made no job


def test_a_part_run_again_does_its_work_once(database_url, tmp_path):
    """A worker that died after writing some of its part's PDFs, or after finishing the part: the
    part delivered again skips what is there, and the result is built once."""
    assign_hw3(database_url, tmp_path)
    store = FileStore(tmp_path / "files")
    with session_scope(database_url) as session:
        job = create_job(session, "render", "hw3", {"students": ["s001", "s002", "s003", "s004", "s005"]})
        job_id, parts = job.id, len(job.parts)
    assert parts == 2  # four students a part at least
    # a first run of part 0 that "died" after s001's documents: keep those, forget the rest
    assert run_part(database_url, store, job_id, 0) == "finished"
    scratch = tmp_path / "files" / "jobs" / str(job_id) / "documents"
    kept = (scratch / "s001-key.pdf").stat().st_mtime_ns
    for name in ("s002", "s003", "s004"):
        for kind in ("worksheet", "key"):
            (scratch / f"{name}-{kind}.pdf").unlink()
    with session_scope(database_url) as session:
        session.execute(update(JobPart).where(JobPart.job_id == job_id).values(finished=False, done=0))
    assert run_part(database_url, store, job_id, 0) == "finished"
    assert (scratch / "s001-key.pdf").stat().st_mtime_ns == kept  # not rendered again
    assert (scratch / "s004-key.pdf").is_file()
    assert run_part(database_url, store, job_id, 1) == "finished"
    with session_scope(database_url) as session:
        status = job_status(session, job_id)
        attempts = session.scalars(select(JobPart.attempts).where(JobPart.job_id == job_id)
                                   .order_by(JobPart.position)).all()
    assert status["state"] == "done" and status["done"] == 5 and attempts == [2, 1]
    result = tmp_path / "files" / status["result"]
    built = result.stat().st_mtime_ns
    # delivered once more after the job is done: nothing happens
    assert run_part(database_url, store, job_id, 1) == "skipped"
    assert result.stat().st_mtime_ns == built and len(zipped(result.read_bytes())) == 10


def test_a_part_that_keeps_dying_fails_the_job(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    with session_scope(database_url) as session:
        job_id = create_job(session, "report", "hw3").id
        # as if MAX_ATTEMPTS workers had started it and died
        session.execute(update(JobPart).where(JobPart.job_id == job_id).values(attempts=MAX_ATTEMPTS))
    assert run_part(database_url, str(tmp_path / "files"), job_id, 0) == "failed"
    with session_scope(database_url) as session:
        status = job_status(session, job_id)
    assert status["state"] == "failed"
    assert status["error"] == f"part 1 was started {MAX_ATTEMPTS} times without finishing (its worker stopped each time)"


def test_a_job_of_a_deleted_assignment_fails_with_the_reason(database_url, tmp_path):
    assign_hw3(database_url, tmp_path)
    with session_scope(database_url) as session:
        job_id = create_job(session, "export", "hw3", {"format": "qti21"}).id
        session.execute(update(Job).where(Job.id == job_id).values(assignment="gone"))
    assert run_job_here(database_url, str(tmp_path / "files"), job_id) == "failed"
    with session_scope(database_url) as session:
        status = job_status(session, job_id)
    assert status["state"] == "failed" and status["error"].startswith("no assignment named 'gone'")


def test_a_restarted_service_finishes_the_jobs_it_had_queued(database_url, tmp_path):
    """Without a broker nothing outside the service holds its queue: the parts of unfinished
    jobs are in the database, and a service starting up sends them again."""
    assign_hw3(database_url, tmp_path)
    h = bearer(teacher_token(database_url))
    with session_scope(database_url) as session:
        job_id = create_job(session, "export", "hw3", {"format": "canvas"}).id  # queued by a service that then stopped
    with client(database_url, files=str(tmp_path / "files")) as c:
        status, _ = wait_done(c, h, job_id)
        assert status["state"] == "done" and status["result"].endswith(f"/api/jobs/{job_id}/result")
        assert c.get(status["result"], headers=h).content[:2] == b"PK"


def test_service_processes_take_each_orphaned_job_once(database_url, tmp_path):
    """Several service processes without a broker (exgen serve --workers N): a job nobody owns,
    or whose owner fell silent, is taken by exactly one of them."""
    from datetime import timedelta

    from exgen.jobs.dispatch import STALE, LocalPool
    from exgen.storage.models import utcnow

    assign_hw3(database_url, tmp_path)
    store = FileStore(tmp_path / "files")
    with session_scope(database_url) as session:
        orphan = create_job(session, "report", "hw3").id  # queued by a service that stopped before sending it
        silent = create_job(session, "export", "hw3", {"format": "qti21"})
        silent.owner, silent.owner_seen_at = "gone:1:0", utcnow() - timedelta(seconds=STALE + 5)
        alive = create_job(session, "export", "hw3", {"format": "moodle"})
        alive.owner, alive.owner_seen_at = "busy:2:0", utcnow()
        silent, alive = silent.id, alive.id
    first, second = LocalPool(database_url, store, 1), LocalPool(database_url, store, 1)
    try:
        first._sweep()
        second._sweep()
        assert first._pending == {(orphan, 0), (silent, 0)} and second._pending == set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with session_scope(database_url) as session:
                states = {job.id: (job.state, job.owner) for job in session.scalars(select(Job))}
            if states[orphan][0] == states[silent][0] == "done":
                break
            time.sleep(0.2)
        assert states == {orphan: ("done", first.owner), silent: ("done", first.owner), alive: ("queued", "busy:2:0")}
        with session_scope(database_url) as session:
            assert session.scalars(select(JobPart.attempts).order_by(JobPart.job_id)).all() == [1, 1, 0]
    finally:
        first.close()
        second.close()


POOL_SCRIPT = """
import multiprocessing, sys, time
from exgen.jobs.dispatch import LocalPool
from exgen.jobs.files import FileStore
from exgen.jobs.runner import create_job
from exgen.storage.session import session_scope

url, root = sys.argv[1:3]
with session_scope(url) as session:
    job = create_job(session, "render", "hw3")
    job_id, parts = job.id, len(job.parts)
pool = LocalPool(url, FileStore(root), 2)
pool.send(job_id, range(parts))
while len(multiprocessing.active_children()) < 2:
    time.sleep(0.05)
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False


def test_the_pool_processes_die_with_the_service(tmp_path):
    import signal
    import subprocess
    import sys

    from exgen.processes import die_with_parent

    url = f"sqlite:///{tmp_path / 'exgen.db'}"
    assign_hw3(url, tmp_path)
    service = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, url, str(tmp_path / "files")],
                               stdout=subprocess.PIPE, preexec_fn=die_with_parent)
    try:
        children = [int(pid) for pid in service.stdout.readline().split()]
        assert len(children) == 2 and all(_alive(pid) for pid in children)
    finally:
        service.send_signal(signal.SIGKILL)  # no clean-up runs in the service
        service.wait()
    deadline = time.monotonic() + 5  # at once (PR_SET_PDEATHSIG), or within a second (the watch)
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_the_dashboard_renders_the_class_and_follows_the_job(database_url, tmp_path):
    import re

    assign_hw3(database_url, tmp_path)
    token = teacher_token(database_url)
    with client(database_url, files=str(tmp_path / "files")) as c:
        c.post("/dashboard/sign-in", data={"token": token})
        page = c.get("/dashboard/a/hw3").text
        assert 'action="/dashboard/a/hw3/render"' in page
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert c.post("/dashboard/a/hw3/render", data={"csrf": "forged"}).status_code == 403
        started = c.post("/dashboard/a/hw3/render", data={"csrf": csrf}, follow_redirects=False)
        assert started.status_code == 303
        job_page = started.headers["location"]
        job_id = int(job_page.rsplit("/", 1)[1])
        first = c.get(job_page).text
        assert 'http-equiv="refresh"' in first and "<progress" in first
        status, _ = wait_done(c, {}, job_id)  # the signed-in cookie reads the job API too
        done = c.get(job_page).text
        assert 'http-equiv="refresh"' not in done and f'href="/api/jobs/{job_id}/result"' in done
        assert "Done. 5 students: 12 PDF files in hw3-documents.zip" in done
        archive = zipped(c.get(f"/api/jobs/{job_id}/result").content)
        assert "hw3/all-worksheets.pdf" in archive and len(archive) == 12
        assert f'href="/dashboard/jobs/{job_id}"' in c.get("/dashboard/a/hw3").text
        assert c.get("/dashboard/jobs/999").status_code == 404
    c.cookies.clear()
