"""reference/unit_successions.csv: loaded with the other reference files into the ingest DB
(ref_unit_successions), optional, and refused with the line and what to fix when a row cannot be
used (submission-contract.md, "Reference data")."""

from __future__ import annotations

import datetime as dt

import pytest

from ingestion.reference import load_reference
from motcua.common import store
from motcua.common.errors import PipelineError

HEADER = "old_unit_code,successor_unit_code,effective_date,kind,note\n"


def _load(settings) -> list[tuple]:
    con = store.connect(settings.ingest_db)
    try:
        load_reference(con, settings.reference_dir)
        return con.execute(
            "select * from ref_unit_successions order by old_unit_code, successor_unit_code"
        ).fetchall()
    finally:
        con.close()


def test_successions_are_loaded_trimmed_and_lower_cased(settings):
    (settings.reference_dir / "unit_successions.csv").write_text(
        HEADER
        + " 18412 ,18413,2025-07-01, Merge ,Thiên Lộc vào Thiên Vượng\n"
        + "443,18413,2025-07-01,abolish,\n"
        + '18082,18073,2025-07-01,split,"một phần, Đại Nài"\n',
        encoding="utf-8",
    )
    july = dt.date(2025, 7, 1)
    assert _load(settings) == [
        ("18082", "18073", july, "split", "một phần, Đại Nài"),
        ("18412", "18413", july, "merge", "Thiên Lộc vào Thiên Vượng"),
        ("443", "18413", july, "abolish", None),
    ]


def test_without_the_file_there_is_no_succession_and_a_removed_file_empties_the_table(settings):
    path = settings.reference_dir / "unit_successions.csv"
    path.write_text(HEADER + "18412,18413,2009-02-01,merge,\n", encoding="utf-8")
    assert len(_load(settings)) == 1
    path.unlink()
    assert _load(settings) == []


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("18412,,2009-02-01,merge,", "successor_unit_code=''"),
        ("18412,18413,01/02/2009,merge,", "effective_date='01/02/2009'"),
        ("18412,18413,2009-02-01,absorb,", "kind='absorb'"),
    ],
)
def test_a_row_that_cannot_be_used_stops_the_run_with_its_line(settings, line, what):
    (settings.reference_dir / "unit_successions.csv").write_text(
        HEADER + "18418,18413,2009-02-01,merge,\n" + line + "\n", encoding="utf-8"
    )
    with pytest.raises(PipelineError) as err:
        _load(settings)
    assert "line 3" in str(err.value) and what in str(err.value)
    assert "merge, split, rename, abolish" in str(err.value)


def test_a_file_without_the_contract_columns_is_refused(settings):
    (settings.reference_dir / "unit_successions.csv").write_text(
        "old,new,date\n18412,18413,2009-02-01\n", encoding="utf-8"
    )
    with pytest.raises(PipelineError, match="lacks the columns"):
        _load(settings)
