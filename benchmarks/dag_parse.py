"""DAG parse benchmark: how long the DAG processor spends importing ``dags/motcua_nightly.py``,
against a minimal DAG file of the same shape parsed the same way in the same run.

The DAG processor re-imports every DAG file on a loop (``dag_processor.refresh_interval``), and a
file that takes longer than ``core.dagbag_import_timeout`` (30 s) is an import error; Airflow's
best practices ask for top-level code that does no real work. motcua's DAG file imports only Airflow
and ``motcua.pipeline.stages`` at parse time (dbt, Great Expectations and DuckDB load inside the
tasks: ``tests/pipeline/test_dag.py`` checks that no such module is imported). Here each file is
imported ``--repeat`` times (7), each in a fresh interpreter that has already imported
``airflow.sdk`` (Airflow's own cost is not the DAG file's), and the median is kept:

* ``minimal``: six ``@task`` functions in a line on the same cron schedule, nothing else;
* ``motcua_nightly``: the real file.

The last line printed is ``dag_parse_vs_minimal=<motcua seconds / minimal seconds>``.

    .venv/bin/python benchmarks/dag_parse.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from motcua.common.config import DAGS_DIR  # noqa: E402

MINIMAL_DAG = """
import pendulum
from airflow.sdk import dag, task


@dag(schedule="0 1 * * *", start_date=pendulum.datetime(2008, 7, 1, tz="Asia/Ho_Chi_Minh"),
     catchup=False)
def minimal():
    previous = None
    for name in ("ingest", "validate", "build", "test", "publish", "report"):
        current = task(task_id=name)(lambda: None)()
        if previous is not None:
            previous >> current
        previous = current


minimal()
"""

# airflow.sdk first (not the file's cost), then the file alone, timed.
TIMED_IMPORT = """
import json, sys, time, importlib.util as u
import airflow.sdk
spec = u.spec_from_file_location("m", sys.argv[1])
m = u.module_from_spec(spec)
t = time.perf_counter()
spec.loader.exec_module(m)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def parse_seconds(path: Path, airflow_home: Path) -> float:
    env = dict(os.environ, AIRFLOW_HOME=str(airflow_home), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    out = subprocess.run(
        [sys.executable, "-c", TIMED_IMPORT, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-dag-") as tmp:
        tmp = Path(tmp)
        minimal = tmp / "minimal_dag.py"
        minimal.write_text(MINIMAL_DAG, encoding="utf-8")
        files = {"minimal": minimal, "motcua_nightly": DAGS_DIR / "motcua_nightly.py"}
        times: dict[str, list[float]] = {name: [] for name in files}
        # interleaved, so that a burst of load hits both alike
        for _ in range(args.repeat):
            for name, path in files.items():
                times[name].append(parse_seconds(path, tmp / "airflow"))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(
            f"{name}: median {medians[name] * 1000:.0f} ms over {len(values)} imports "
            f"(min {min(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms)"
        )
    print(f"dag_parse_vs_minimal={medians['motcua_nightly'] / medians['minimal']:.2f}")


if __name__ == "__main__":
    main()
