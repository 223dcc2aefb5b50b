"""Warehouses the report tests read, each built once per session:

* ``scenario_dir``: the hand-made scenario of tests/support/scenario.py (as of D = 2009-02-04)
  built by the real dbt project, placed as the published warehouse of a data folder. Every
  figure of it is worked out by hand in the tests' docstrings (and in tests/warehouse/
  test_dbt_models.py).
* ``province_dir``: a generated small province (Hà Tĩnh's profile ``small``, 2009-01-01 …
  2009-02-14, a merger on 2009-02-01) run through every stage by ``motcua run --no-airflow``,
  compared with the independent oracle of tests/support/oracle.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from motcua.demo import generate_province
from tests.support.dbt import run_dbt
from tests.support.scenario import AS_OF, build_raw_db

MOTCUA = str(Path(sys.executable).with_name("motcua"))


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose published warehouse is the scenario built as of 2009-02-04."""
    work = tmp_path_factory.mktemp("scenario")
    db_path = work / "motcua_build.duckdb"
    build_raw_db(db_path)
    result = run_dbt(db_path, work, "build", "--vars", f'{{report_date: "{AS_OF}"}}')
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    data_dir = work / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    shutil.copyfile(db_path, data_dir / "warehouse" / "motcua.duckdb")
    return data_dir


@pytest.fixture(scope="session")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the small generated province, its last night published."""
    data_dir = tmp_path_factory.mktemp("province")
    report = generate_province(data_dir, seed=11, profile="small")
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="reports-key")
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "run", "--date", str(report.last_report_date)]
        + ["--no-airflow", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return data_dir
