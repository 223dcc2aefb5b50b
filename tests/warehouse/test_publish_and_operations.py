"""Operations without dbt: publishing keeps versions cheaply and refuses broken builds, rollback is
atomic and reversible, a kill at publish's critical point changes nothing, alerts reach a webhook
only when one is configured, the report stage summarises without failing."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.common.store import sql_literal
from motcua.pipeline.stages import is_transient
from motcua.warehouse import publish


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_build(
    settings: Settings, label: str, *, view_on_build: bool = False, path: Path | None = None
) -> None:
    """A tiny build file with every public table (one column each) tagged with ``label``."""
    path = path or settings.build_db
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for table in publish.REQUIRED_MARTS:
        con.execute(f"create table marts.{table} as select '{label}' as label")
    con.execute("comment on table marts.dim_unit is 'Đơn vị / Units'")
    con.execute("comment on column marts.dim_unit.label is 'Nhãn / Label'")
    con.execute("create view marts.units_view as select label || '!' as shout from marts.dim_unit")
    # what analysts must not see: raw rows and an internal table
    con.execute("create schema raw")
    con.execute(f"create table raw.submission_rows as select '{label}' as label, 'Ông A' as notes")
    con.execute("create schema intermediate")
    con.execute(f"create table intermediate.int_x as select '{label}' as label")
    if view_on_build:
        con.execute("create view marts.extra as select * from motcua_build.marts.dim_unit")
    con.close()


def label(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select label from marts.dim_unit").fetchone()[0]
    finally:
        con.close()


def state_label(settings: Settings) -> str:
    con = duckdb.connect(str(settings.state_db), read_only=True)
    try:
        return con.execute("select label from raw.submission_rows").fetchone()[0]
    finally:
        con.close()


def test_the_published_file_holds_only_the_public_schemas(settings):
    make_build(settings, "v1")
    publish.publish(settings, info={"report_date": "2009-01-05", "run_id": "r1"})
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        objects = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
        ).fetchall()
        comments = con.execute(
            "select t.comment, c.comment from duckdb_tables() t join duckdb_columns() c "
            "using (schema_name, table_name) where t.table_name = 'dim_unit'"
        ).fetchone()
        shout = con.execute("select shout from marts.units_view").fetchone()[0]
    finally:
        con.close()
    expected = {("marts", t, "BASE TABLE") for t in (*publish.REQUIRED_MARTS, "units_view")}
    expected.add(("ops", "publication", "BASE TABLE"))
    assert set(objects) == expected  # no raw, no intermediate; the view is a table now
    assert comments == ("Đơn vị / Units", "Nhãn / Label")
    assert shout == "v1!"
    # the build state is the whole build, private, and says it is the same publication
    assert state_label(settings) == "v1"
    assert publish.published_info(settings.state_db) == publish.published_info(
        settings.warehouse_db
    )
    assert settings.state_db.stat().st_mode & 0o777 == 0o600
    assert settings.state_db.parent.stat().st_mode & 0o777 == 0o700
    assert b"\xc3\x94ng A" not in settings.warehouse_db.read_bytes()  # 'Ông A', raw notes
    assert b"\xc3\x94ng A" in settings.state_db.read_bytes()


def test_a_state_from_another_publication_means_a_full_rebuild(settings):
    from motcua.warehouse.build import _why_not_incremental

    make_build(settings, "v1")
    publish.publish(settings, info={"report_date": "2009-01-05", "run_id": "r1"})
    kept_state = settings.state_db.with_name("kept.duckdb")
    os.link(settings.state_db, kept_state)
    make_build(settings, "v2")
    publish.publish(settings, info={"report_date": "2009-01-06", "run_id": "r2"})
    os.replace(kept_state, settings.state_db)  # as if a kill had left last night's state
    reason = _why_not_incremental(settings, dt.date(2009, 1, 7), None)
    assert reason is not None and "are not one publication" in reason


def test_publish_keeps_the_old_file_as_a_hard_link_and_prunes(settings, monkeypatch):
    monkeypatch.setattr(publish, "KEEP_VERSIONS", 3)
    target = settings.warehouse_db
    for i in range(5):
        make_build(settings, f"v{i}")
        before = target.stat().st_ino if target.exists() else None
        publish.publish(settings, info={"report_date": f"2009-01-0{i + 1}", "run_id": f"r{i}"})
        assert label(target) == f"v{i}"
        assert not settings.build_db.exists()
        if before is not None:
            newest = publish.list_versions(settings)[-1]
            assert newest.stat().st_ino == before  # the very file, not a copy
    versions = publish.list_versions(settings)
    assert [label(v) for v in versions] == ["v1", "v2", "v3"]
    assert publish.published_info(target)["run_id"] == "r4"
    assert publish.published_info(target)["report_date"] == "2009-01-05"
    assert not list(target.parent.glob(".*.incoming"))


def test_publish_refuses_incomplete_builds_and_views_on_the_build_file(settings):
    make_build(settings, "ok")
    publish.publish(settings)
    published = sha(settings.warehouse_db)
    make_build(settings, "broken")
    con = duckdb.connect(str(settings.build_db))
    con.execute("drop table marts.fct_dossier")
    con.close()
    with pytest.raises(PipelineError, match="fct_dossier"):
        publish.publish(settings)
    # a build file named otherwise: a public view naming its catalog would break once renamed
    other = settings.build_db.with_name("motcua_build.duckdb")
    make_build(settings, "view", view_on_build=True, path=other)
    with pytest.raises(PipelineError, match="marts.extra"):
        publish.check_build(other, settings.warehouse_db.name)
    assert sha(settings.warehouse_db) == published


def test_publish_binds_no_parameter_so_never_imports_pandas(settings):
    """DuckDB's Python client imports pandas (over a second) on the first bound parameter: the
    publish task, which needs no pandas, must not bind any."""
    make_build(settings, "fresh")
    code = (
        "import sys; from motcua.warehouse import publish; "
        "from motcua.common.config import Settings; "
        f"publish.publish(Settings.from_env({str(settings.data_dir)!r}), "
        "info={'report_date': '2009-01-05', 'run_id': \"it's r1\", "
        "'built_at': '2009-01-05T23:10:00'}); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "False"
    info = publish.published_info(settings.warehouse_db)
    assert (info["report_date"], info["run_id"], info["built_at"]) == (
        "2009-01-05",
        "it's r1",
        "2009-01-05T23:10:00",
    )


def test_sql_literal_round_trips():
    values = [None, True, 42, "l'an 2009", dt.date(2009, 1, 5), dt.datetime(2009, 1, 5, 23, 10, 1)]
    con = duckdb.connect()
    row = con.execute("select " + ", ".join(sql_literal(v) for v in values)).fetchone()
    assert list(row) == values


def test_rollback_swaps_with_the_newest_version_and_back(settings):
    with pytest.raises(PipelineError, match="no earlier version"):
        publish.rollback(settings)
    for name in ("old", "new"):
        make_build(settings, name)
        publish.publish(settings, info={"run_id": name})
    target = settings.warehouse_db
    new_bytes = sha(target)
    _, info = publish.rollback(settings)
    assert label(target) == "old" and info["run_id"] == "old"
    assert state_label(settings) == "old"  # the build state is rolled back with it
    kept_states = sorted(publish.state_versions_dir(settings).glob("motcua-*.duckdb"))
    assert [p.name for p in kept_states] == [p.name for p in publish.list_versions(settings)]
    assert publish.state_versions_dir(settings).stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in kept_states} == {0o600}
    assert sha(publish.list_versions(settings)[-1]) == new_bytes
    publish.rollback(settings)
    assert label(target) == "new" and sha(target) == new_bytes
    assert state_label(settings) == "new"
    # a version that is the published file itself (a kill between keep and rename) is skipped
    os.link(target, publish.versions_dir(settings) / "motcua-99999999T999999999999Z.duckdb")
    publish.rollback(settings)
    assert label(target) == "old"


def test_a_kill_at_publishs_critical_point_leaves_the_published_file(settings, tmp_path):
    make_build(settings, "first")
    publish.publish(settings)
    published = sha(settings.warehouse_db)
    make_build(settings, "second")
    code = (
        "import sys; from motcua.common.config import Settings\n"
        "from motcua.warehouse import publish\n"
        f"publish.publish(Settings.from_env(r'{settings.data_dir}'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, MOTCUA_FAULT_STAGE="publish"),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == -9, result.stderr
    assert sha(settings.warehouse_db) == published and label(settings.warehouse_db) == "first"
    assert label(settings.state_db) == "first"
    # the retry finds the staged build (state and public file) and finishes the publish
    assert publish.pending_build(settings) == publish.staged_state_path(settings)
    assert publish.staged_path(settings).exists()
    publish.publish(settings)
    assert label(settings.warehouse_db) == "second"
    assert state_label(settings) == "second"
    assert not list(settings.warehouse_db.parent.glob(".*.incoming"))
    # a later kill then a new build: the new build wins, the stale staged file is cleared
    make_build(settings, "third")
    subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, MOTCUA_FAULT_STAGE="publish"),
        check=False,
        timeout=120,
    )
    make_build(settings, "fourth")
    publish.publish(settings)
    assert label(settings.warehouse_db) == "fourth"
    assert not list(settings.warehouse_db.parent.glob(".*.incoming"))


def test_fault_spec_parsing(monkeypatch):
    from motcua.ops.faults import fault_spec

    monkeypatch.delenv("MOTCUA_FAULT_STAGE", raising=False)
    assert fault_spec("build") == (False, None)
    monkeypatch.setenv("MOTCUA_FAULT_STAGE", "build@2.5")
    assert fault_spec("build") == (True, 2.5)
    assert fault_spec("test") == (False, None)
    monkeypatch.setenv("MOTCUA_FAULT_STAGE", "publish")
    assert fault_spec("publish") == (True, None)


def test_only_transient_errors_are_retried():
    assert is_transient(OSError("disk hiccup"))
    assert is_transient(PipelineError("dbt run failed: IO Error: Could not set lock on file"))
    assert not is_transient(PipelineError("reference/units.csv is missing"))


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failure_alert_goes_to_the_configured_webhook_only(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    code = (
        "from motcua.ops.alerts import notify_failure\n"
        "class TI: dag_id='motcua_nightly'; task_id='build'; try_number=3; run_id='r1'\n"
        "notify_failure({'ti': TI(), 'run_id': 'r1', 'exception': RuntimeError('dbt failed')})\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "MOTCUA_"))}
    base["AIRFLOW_HOME"] = str(tmp_path)
    try:
        _Hook.received.clear()
        off = subprocess.run(
            [sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120
        )
        assert off.returncode == 0, off.stderr
        assert _Hook.received == []  # off by default
        url = f"http://127.0.0.1:{server.server_port}/hooks/motcua"
        on = subprocess.run(
            [sys.executable, "-c", code],
            env=dict(base, AIRFLOW_CONN_MOTCUA_ALERT_WEBHOOK=url),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert on.returncode == 0, on.stderr
    finally:
        server.shutdown()
    assert len(_Hook.received) == 1
    text = _Hook.received[0]["text"]
    assert "motcua_nightly.build failed" in text and "dbt failed" in text


def test_report_stage_never_fails_over_missing_figures(settings):
    from motcua.reports.summary import run_summary

    out = run_summary(settings, dt.date(2009, 1, 1))
    assert out["lines"] == [f"no published warehouse at {settings.warehouse_db}"]
    make_build(settings, "x")
    publish.publish(settings, info={"report_date": "2009-01-01", "run_id": "r"})
    out = run_summary(settings, dt.date(2009, 1, 1))
    assert any("no province figures" in line for line in out["lines"])
    assert out["published"]["run_id"] == "r"
    # nor over the units' feedback (a warehouse without the gap tables here)
    from motcua.reports.feedback import nightly_feedback

    feedback = nightly_feedback(settings)
    assert feedback["feedback_units"] == 0
    assert feedback["line"].startswith("no feedback to units: ")
