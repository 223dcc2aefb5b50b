"""Reading a published warehouse file as an analyst would: read-only, closed at once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb


def fetch(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fingerprint(path: Path) -> dict[str, tuple]:
    """Row count and an order-independent hash of every marts table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {
            t: con.execute(f"select count(*), sum(hash(t)) from marts.{t} as t").fetchone()
            for t in sorted(tables)
        }
    finally:
        con.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
