"""The job runner on SQLite and PostgreSQL: claim, run, fail, cancel, retry, recover dead jobs, and never
run one job twice."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from labelwise.core.platform import jobs
from labelwise.core.platform.clock import utcnow
from labelwise.core.platform.job_runner import JobRunner
from labelwise.errors import Invalid, NotFound
from labelwise.store.models import Job
from labelwise.store.session import make_engine, make_session_factory
from tests.factories import make_project, make_user


@pytest.fixture
def owner(session):
    return make_user(session, "owner")


@pytest.fixture
def project(session, owner):
    return make_project(session, owner.user)


def runner_for(app, settings, handlers, **kw) -> JobRunner:
    return JobRunner(app.state.session_factory, handlers=handlers, settings=settings, storage=None, **kw)


def status_of(session, owner, settings, job_id) -> jobs.JobView:
    session.expire_all()
    return jobs.get_job(session, owner.user, job_id, progress_dir=settings.data_dir / "jobs")


def wait_for(session, owner, settings, job_id, statuses, timeout=20) -> jobs.JobView:
    deadline = time.monotonic() + timeout
    while True:
        view = status_of(session, owner, settings, job_id)
        if view.status in statuses or time.monotonic() > deadline:
            return view
        time.sleep(0.02)


def test_a_job_runs_once_with_its_params_and_keeps_its_result(app, settings, session, owner, project):
    job = jobs.enqueue(session, owner.user, project.id, kind="double", params={"n": 21})
    runner = runner_for(app, settings, {"double": lambda ctx: {"answer": ctx.params["n"] * 2, "by": ctx.user.username}})
    assert runner.run_once() and not runner.run_once()
    view = status_of(session, owner, settings, job.id)
    assert view.status == "succeeded" and view.result == {"answer": 42, "by": "owner"}
    assert view.attempts == 1 and view.worker == runner.name and view.started_at and view.finished_at


def test_only_kinds_the_runner_knows_are_claimed(app, settings, session, owner, project):
    job = jobs.enqueue(session, owner.user, project.id, kind="elsewhere")
    assert not runner_for(app, settings, {"double": lambda ctx: None}).run_once()
    assert status_of(session, owner, settings, job.id).status == "queued"


def test_failures_carry_a_clear_message(app, settings, session, owner, project):
    def refuses(ctx):
        raise Invalid("the model answered labels that are not in the schema: 'cat'", field="result")

    def crashes(ctx):
        return {}["missing"]

    bad = jobs.enqueue(session, owner.user, project.id, kind="refuses")
    buggy = jobs.enqueue(session, owner.user, project.id, kind="crashes")
    runner = runner_for(app, settings, {"refuses": refuses, "crashes": crashes})
    assert runner.run_once() and runner.run_once()
    assert status_of(session, owner, settings, bad.id).error == {
        "message": "the model answered labels that are not in the schema: 'cat'", "field": "result"}
    view = status_of(session, owner, settings, buggy.id)
    assert view.status == "failed" and view.error["message"] == "the job failed unexpectedly: KeyError: 'missing'"


def test_cancel_stops_a_running_job_and_a_queued_one(app, settings, session, owner, project):
    started = threading.Event()
    steps = []

    def slow(ctx):
        started.set()
        for step in range(1, 2000):
            steps.append(step)
            ctx.progress(step, total=2000)
            time.sleep(0.01)
        return {"finished": True}

    running = jobs.enqueue(session, owner.user, project.id, kind="slow")
    queued = jobs.enqueue(session, owner.user, project.id, kind="slow")
    assert jobs.cancel_job(session, owner.user, queued.id, progress_dir=settings.data_dir / "jobs").status == "cancelled"
    runner = runner_for(app, settings, {"slow": slow})
    runner.start()
    try:
        assert started.wait(10)
        time.sleep(0.3)
        asked = jobs.cancel_job(session, owner.user, running.id, progress_dir=settings.data_dir / "jobs")
        assert asked.status == "running" and asked.cancel_requested
        view = wait_for(session, owner, settings, running.id, ("cancelled", "succeeded"))
    finally:
        runner.stop()
    assert view.status == "cancelled" and view.result is None and len(steps) < 1999
    assert status_of(session, owner, settings, queued.id).attempts == 0  # never started
    with pytest.raises(Exception, match="already cancelled"):
        jobs.cancel_job(session, owner.user, running.id, progress_dir=settings.data_dir / "jobs")


def test_retry_runs_a_failed_job_again_as_a_new_attempt(app, settings, session, owner, project):
    def flaky(ctx):
        if ctx.attempt == 1:
            raise Invalid("the backend timed out")
        return {"attempt": ctx.attempt}

    job = jobs.enqueue(session, owner.user, project.id, kind="flaky")
    runner = runner_for(app, settings, {"flaky": flaky})
    runner.run_once()
    assert status_of(session, owner, settings, job.id).status == "failed"
    with pytest.raises(NotFound):
        jobs.retry_job(session, owner.user, job.id + 1000, progress_dir=settings.data_dir / "jobs")
    retried = jobs.retry_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs")
    assert retried.status == "queued" and retried.error is None
    runner.run_once()
    view = status_of(session, owner, settings, job.id)
    assert view.status == "succeeded" and view.result == {"attempt": 2} and view.attempts == 2
    with pytest.raises(Exception, match="only failed or cancelled"):
        jobs.retry_job(session, owner.user, job.id, progress_dir=settings.data_dir / "jobs")


def test_a_job_left_running_by_a_dead_process_is_failed_at_start_up(app, settings, session, owner, project):
    dead = jobs.enqueue(session, owner.user, project.id, kind="work")
    alive = jobs.enqueue(session, owner.user, project.id, kind="work")
    now = utcnow()
    session.execute(update(Job).where(Job.id == dead.id).values(status="running", worker="gone:1",
                                                                heartbeat_at=now - timedelta(hours=1)))
    session.execute(update(Job).where(Job.id == alive.id).values(status="running", worker="elsewhere:2",
                                                                 heartbeat_at=now))
    session.commit()
    runner = runner_for(app, settings, {"work": lambda ctx: {}})
    runner.run_once()
    view = status_of(session, owner, settings, dead.id)
    assert view.status == "failed" and "stopped before it finished" in view.error["message"]
    # On PostgreSQL a fresh heartbeat means another worker is alive; on SQLite the runner lock says nobody is.
    expected = "failed" if jobs.is_sqlite(session) else "running"
    assert status_of(session, owner, settings, alive.id).status == expected
    jobs.retry_job(session, owner.user, dead.id, progress_dir=settings.data_dir / "jobs")
    assert runner.run_once() and status_of(session, owner, settings, dead.id).status == "succeeded"


def test_on_sqlite_only_one_runner_claims(app, settings, session, owner, project):
    if not jobs.is_sqlite(session):
        pytest.skip("SQLite's single-claimer lock")
    jobs.enqueue(session, owner.user, project.id, kind="work")
    first = runner_for(app, settings, {"work": lambda ctx: {}})
    second = runner_for(app, settings, {"work": lambda ctx: {}})
    assert first.is_claimer() and not second.is_claimer() and not second.run_once()
    first.stop()  # its process ending frees the lock the same way
    assert second.run_once()
    second.stop()


def test_two_workers_never_run_the_same_job(settings, session, owner, project):
    """Four runners, each with its own engine (as separate processes would have), race for 60 jobs."""
    if jobs.is_sqlite(session):
        pytest.skip("several claiming workers are a PostgreSQL deployment")
    ids = [jobs.enqueue(session, owner.user, project.id, kind="count").id for _ in range(60)]
    ran: list[tuple[int, str]] = []
    lock = threading.Lock()

    def count(ctx):
        with lock:
            ran.append((ctx.job_id, threading.current_thread().name))
        time.sleep(0.005)
        return {}

    engines = [make_engine(settings.resolved_database_url) for _ in range(4)]
    runners = [JobRunner(make_session_factory(e), handlers={"count": count}, settings=settings, storage=None,
                         name=f"worker-{i}") for i, e in enumerate(engines)]
    for runner in runners:
        runner.start()
    try:
        deadline = time.monotonic() + 60
        while len(ran) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        for runner in runners:
            runner.stop()
        for engine in engines:
            engine.dispose()
    assert sorted(job_id for job_id, _ in ran) == ids  # every job once, none twice
    assert len({name for _, name in ran}) > 1
    session.expire_all()
    assert {jobs.get_job(session, owner.user, i, progress_dir=settings.data_dir / "jobs").status for i in ids} == {
        "succeeded"}


def test_progress_and_cancel_written_at_once_from_two_threads_both_land(tmp_path):
    """The runner thread writes progress while a request thread writes the cancel marker for the same job."""
    errors: list[BaseException] = []

    def write(step) -> None:
        try:
            for i in range(300):
                step(i)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(lambda i: jobs.write_progress(tmp_path, 7, done=i, rows=i, total=300),)),
               threading.Thread(target=write, args=(lambda i: jobs._write(jobs.cancel_marker(tmp_path, 7), "bob"),))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert jobs.read_progress(tmp_path, 7)["done"] == 299
    assert jobs.cancel_marker(tmp_path, 7).read_text() == "bob"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["7.cancel", "7.json"]
