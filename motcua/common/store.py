"""The ingestion database: DDL and connection helper (see docs/architecture.md).

The database holds the submissions' rows (free text scrubbed, applicants pseudonymised, but
still the province's dossiers): :func:`connect` keeps its folder 0700 and the file 0600 (see
:mod:`motcua.common.private`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from . import private

# Canonical text columns of a submission, in contract order (personal data excluded: it never
# reaches a table; see ingestion.pseudonym).
TEXT_COLUMNS = (
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "sector",
    "channel_raw",
    "handling_agency",
    "received_at_raw",
    "due_at_raw",
    "rescheduled_due_at_raw",
    "finished_at_raw",
    "returned_at_raw",
    "status_raw",
    "notes",
)

DDL = """
create sequence if not exists file_id_seq start 1;

create table if not exists files (
    file_id bigint primary key,
    landing_path varchar not null,
    unit_code varchar,
    report_date date,
    ext varchar,
    sha256 varchar not null,
    size_bytes bigint not null,
    archive_path varchar not null,
    arrived_at timestamp,
    mtime_ns bigint,
    load_id varchar not null,
    rows_read integer not null default 0,
    status varchar not null,
    reason_code varchar,
    reason varchar,
    format varchar
);

create table if not exists submission_rows (
    file_id bigint not null,
    row_number integer not null,
    unit_code varchar not null,
    report_date date not null,
    load_id varchar not null,
    dossier_code varchar,
    procedure_code varchar,
    procedure_name varchar,
    sector varchar,
    channel_raw varchar,
    handling_agency varchar,
    received_at_raw varchar,
    due_at_raw varchar,
    rescheduled_due_at_raw varchar,
    finished_at_raw varchar,
    returned_at_raw varchar,
    status_raw varchar,
    notes varchar,
    channel_code tinyint,
    status_code tinyint,
    received_date date,
    due_date date,
    rescheduled_due_date date,
    finished_date date,
    returned_date date,
    applicant_key varchar
);

create table if not exists ref_units (
    unit_code varchar not null,
    unit_name varchar,
    level varchar,
    parent_code varchar,
    one_stop_since date,
    valid_from date,
    valid_to date
);

create table if not exists ref_unit_successions (
    old_unit_code varchar not null,
    successor_unit_code varchar not null,
    effective_date date not null,
    kind varchar not null,
    note varchar
);

create table if not exists ref_procedures (
    procedure_code varchar not null,
    procedure_name varchar,
    sector_code varchar,
    sector_name varchar,
    level varchar,
    statutory_days integer,
    inter_agency boolean
);

create table if not exists ref_calendar (
    calendar_date date primary key,
    is_working_day boolean not null,
    holiday_name varchar
);

create table if not exists findings (
    rule_id varchar not null,
    severity varchar not null,
    file_id bigint,
    row_number integer,
    unit_code varchar,
    report_date date,
    dossier_code varchar,
    detail_vi varchar,
    detail_en varchar
);

create table if not exists validated_files (
    file_id bigint primary key,
    validated_at timestamp not null
);
"""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the ingestion database, creating it and its tables when writing."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    private.ensure_dir(path.parent)
    con = duckdb.connect(str(path))
    # DuckDB creates the file through the umask (0644 as a rule): owner-only, like its folder.
    for written in (path, path.with_name(path.name + ".wal")):
        if written.exists():
            os.chmod(written, private.FILE_MODE)
    con.execute(DDL)
    return con


def sql_literal(value: object) -> str:
    """``value`` as a SQL literal, for the pipeline's few one-off statements. DuckDB's Python
    client imports pandas (over a second, measured) the first time a statement binds a parameter,
    and a nightly task that does not otherwise need pandas should not pay for it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"
