"""Fixtures shared by the whole suite. Helpers that tests call (file builders, the independent
oracle, hand-made build files, reading a published file) live in ``tests/support/``; no test
module imports another test module.

The suite mirrors the code: ``tests/ingestion/`` (``ingestion``), ``tests/expectations/``
(``expectations``), ``tests/warehouse/`` (``motcua.warehouse`` and the dbt models),
``tests/pipeline/`` (``motcua.pipeline``, the DAG, end-to-end runs through Airflow, fault and
real-executor tests, the deployment files), ``tests/demo/`` (``motcua.demo``), and
``tests/test_structure.py`` (the import graph between the packages).
"""

from __future__ import annotations

import pytest

from motcua.common.config import Settings
from tests.support.builders import make_reference


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """A fresh data folder (``tmp_path / "data"``) holding the reference CSVs of
    :func:`tests.support.builders.make_reference`, with a fixed pseudonym key."""
    monkeypatch.setenv("MOTCUA_PSEUDONYM_KEY", "test-key")
    data_dir = tmp_path / "data"
    make_reference(data_dir)
    return Settings.from_env(data_dir)


@pytest.fixture(scope="session")
def gap_nights(tmp_path_factory):
    """The gap lifecycle scenario of :mod:`tests.support.gap_nights`, run once for the session:
    (settings, each night's build plan, each night's dq_gap_status)."""
    from tests.support.gap_nights import build_gap_nights

    return build_gap_nights(tmp_path_factory.mktemp("gap_nights") / "data")


@pytest.fixture(scope="session")
def reform(tmp_path_factory):
    """The reform province of :mod:`tests.support.reform`, its nights taken in, built and published
    once for the session: (settings, each night's build plan)."""
    from tests.support.reform import LEDGERS, NIGHTS, build_nights

    return build_nights(tmp_path_factory.mktemp("reform") / "data", LEDGERS, NIGHTS)
