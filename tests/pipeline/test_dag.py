"""DAG integrity: the DAG folder imports cleanly, without heavy modules, and wires the nightly steps
in order (how fast it parses: benchmarks/dag_parse.py)."""

from __future__ import annotations

import subprocess
import sys

from motcua.common.config import DAGS_DIR


def test_dag_file_parses_without_heavy_imports(tmp_path):
    """Import the DAG file in a fresh interpreter: no error, no dbt/GX/duckdb at parse time (its
    parse time is measured by benchmarks/dag_parse.py, against a minimal DAG file)."""
    code = (
        "import sys, importlib.util as u\n"
        f"spec = u.spec_from_file_location('m', r'{DAGS_DIR / 'motcua_nightly.py'}')\n"
        "m = u.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(sorted(k for k in ('great_expectations', 'dbt', 'duckdb') if k in sys.modules))\n"
    )
    env = {
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import airflow.sdk\n" + code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_dagbag_has_the_nightly_dag_without_cycles(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    # a file slower to import than core.dagbag_import_timeout (30 s) would be an import error
    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    assert list(bag.dags) == ["motcua_nightly"]
    dag = bag.dags["motcua_nightly"]
    # a straight line: ingest → validate → build → test → publish → report
    order = ["ingest", "validate", "build", "test", "publish", "report"]
    assert sorted(dag.task_ids) == sorted(order)
    for upstream, downstream in zip(order[:-1], order[1:-1], strict=False):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert dag.get_task("report").upstream_task_ids == {"publish", "validate"}
    assert dag.get_task("ingest").upstream_task_ids == set()
    # topological sort raises on a cycle
    assert [t.task_id for t in dag.topological_sort()] == order
    assert dag.timetable.summary == "0 1 * * *"
    assert str(dag.timezone) in ("Asia/Ho_Chi_Minh", "Timezone('Asia/Ho_Chi_Minh')")
    assert dag.get_task("publish").outlets[0].uri == "motcua://warehouse/motcua.duckdb"
    assert dag.max_active_runs == 1


def test_every_duckdb_writer_is_in_the_one_slot_pool_with_retries_and_alerts(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    monkeypatch.delenv("MOTCUA_TASK_RETRIES", raising=False)
    from airflow.dag_processing.dagbag import DagBag

    from motcua.ops.alerts import notify_failure

    dag = DagBag(dag_folder=str(DAGS_DIR)).dags["motcua_nightly"]
    for task_id in ("ingest", "validate", "build", "test", "publish"):
        task = dag.get_task(task_id)
        assert task.pool == "motcua_duckdb", task_id
        assert task.retries == 2 and task.retry_exponential_backoff, task_id
        assert task.max_retry_delay is not None
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert notify_failure in callbacks, task_id
    # the report only reads the published file: no need to wait for the writers' slot
    assert dag.get_task("report").pool == "default_pool"
