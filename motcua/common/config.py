"""Where things live: every path derives from ``$MOTCUA_DATA_DIR`` (default ``./data``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DAGS_DIR = REPO_ROOT / "dags"
DAG_ID = "motcua_nightly"
LOCAL_TZ = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Settings:
    """Paths of one motcua data folder (see docs/architecture.md)."""

    data_dir: Path

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike[str] | None = None) -> Settings:
        raw = data_dir or os.environ.get("MOTCUA_DATA_DIR") or "data"
        return cls(Path(raw).expanduser().resolve())

    @property
    def reference_dir(self) -> Path:
        return self.data_dir / "reference"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def ingest_db(self) -> Path:
        return self.data_dir / "ingest" / "ingest.duckdb"

    @property
    def build_db(self) -> Path:
        # Named like the published file: DuckDB names a file's catalog after the file, and dbt
        # writes views with the catalog name, so the views keep working once published.
        return self.data_dir / "build" / "motcua.duckdb"

    @property
    def warehouse_db(self) -> Path:
        return self.data_dir / "warehouse" / "motcua.duckdb"

    @property
    def state_db(self) -> Path:
        """The private build state published with the warehouse: the whole last build (raw
        submission rows, staging, intermediate), which the next night's incremental build starts
        from. Named like the published file for the same reason as :attr:`build_db`."""
        return self.data_dir / "state" / "motcua.duckdb"

    @property
    def airflow_home(self) -> Path:
        return self.data_dir / "airflow"

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"
