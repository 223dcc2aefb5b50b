"""Ingestion benchmark: the pipeline against DuckDB's own ``read_csv`` on the same files.

Shapes (sizes are arguments; the defaults are issue #3's):

(a) ``--rows`` ledger rows (5,000,000) in ``--files`` CSV files (300); 3 rows in 11 carry
    notes, 2 of them unique text with a name, a phone or an identity number to scrub;
(b) one year of nightly files for ``--units`` units (3,000): ``--small-files`` files (100,000,
    i.e. the first nights of the year for every unit) of ``--small-rows`` rows each (5), and the
    very same rows in one big file per night, to show the cost of many small files.

Every measurement runs in a child process of its own, so that its peak memory (DuckDB included)
is its own: the most the child and its own children (the pipeline's fetch workers) held at once,
sampled from ``/proc`` every 20 ms, and never less than the child's own ``ru_maxrss``. The
baseline is DuckDB's ``read_csv`` loading the CSV files of shape (a) into a table of a database
file. The last line printed is
``ingest_vs_duckdb_baseline=<pipeline rows/s over baseline rows/s, shape (a)>``.

    .venv/bin/python benchmarks/ingest.py                      # the issue's sizes
    .venv/bin/python benchmarks/ingest.py --rows 200000 --files 20 --small-files 3000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FIRST_DAY = dt.date(2024, 1, 1)
HEADER = (
    "dossier_code,procedure_code,procedure_name,sector,channel,applicant_name,applicant_id,"
    "applicant_phone,applicant_address,handling_agency,received_at,due_at,finished_at,"
    "returned_at,status,notes"
)
PROCEDURES = [
    ("DD01", "Cấp giấy chứng nhận quyền sử dụng đất", "DD", "Đất đai", 30),
    ("TP01", "Đăng ký khai sinh", "TP", "Tư pháp", 1),
    ("LD01", "Xác nhận hồ sơ hưởng chế độ ưu đãi", "LDTBXH", "Lao động - Thương binh và Xã hội", 5),
]

# One SQL row generator for both shapes: realistic Vietnamese text, both date forms, codes and
# labels, personal data in every row. `i` numbers the row, `f` its file.
ROWS_SQL = """
select
    {file_expr} as f,
    'HS' || lpad(cast(i as varchar), 10, '0') as dossier_code,
    ['DD01', 'TP01', 'LD01'][i % 3 + 1] as procedure_code,
    ['Cấp giấy chứng nhận quyền sử dụng đất', 'Đăng ký khai sinh',
     'Xác nhận hồ sơ hưởng chế độ ưu đãi'][i % 3 + 1] as procedure_name,
    ['Đất đai', 'Tư pháp', 'Lao động - Thương binh và Xã hội'][i % 3 + 1] as sector,
    case when i % 5 = 0 then 'Trực tuyến' else cast(i % 3 + 1 as varchar) end as channel,
    ['Nguyễn Thị Hoa', 'Trần Văn Bình', 'Lê Văn Tám', 'Phạm Thị Lan'][i % 4 + 1]
        || ' ' || cast(i % 997 as varchar) as applicant_name,
    '042' || lpad(cast(i * 7919 % 1000000000 as varchar), 9, '0') as applicant_id,
    '09' || lpad(cast(i % 100000000 as varchar), 8, '0') as applicant_phone,
    'Xóm ' || cast(i % 20 as varchar) || ', xã Thạch Hạ' as applicant_address,
    'UBND xã Thạch Hạ' as handling_agency,
    case when i % 2 = 0 then strftime(date '2024-01-01' + cast(i % 300 as integer), '%Y-%m-%d')
         else strftime(date '2024-01-01' + cast(i % 300 as integer), '%d/%m/%Y 08:30')
    end as received_at,
    strftime(date '2024-01-08' + cast(i % 300 as integer), '%d/%m/%Y') as due_at,
    case when i % 3 = 0 then strftime(date '2024-01-05' + cast(i % 300 as integer), '%Y-%m-%d')
    end as finished_at,
    case when i % 3 = 0 then strftime(date '2024-01-06' + cast(i % 300 as integer), '%Y-%m-%d')
    end as returned_at,
    case when i % 3 = 0 then '10' when i % 7 = 0 then 'Đang xử lý'
         else cast(i % 2 + 4 as varchar) end as status,
    -- notes in 3 rows of 11, two of them with personal data that ingestion scrubs, each unique
    case when i % 11 = 0 then 'Hồ sơ bổ sung, chờ "xác minh"'
         when i % 11 = 1 then 'Ông Trần Văn ' || ['Bình', 'Hùng', 'Nam'][i % 3 + 1]
             || ' gọi lại SĐT 09' || lpad(cast(i % 100000000 as varchar), 8, '0')
         when i % 11 = 2 then 'CCCD 042' || lpad(cast(i * 7919 % 1000000000 as varchar), 9, '0')
             || ', hẹn trả ' || strftime(date '2024-01-08' + cast(i % 300 as integer), '%d/%m/%Y')
    end as notes
from range({rows}) t(i)
"""


# --- data ------------------------------------------------------------------------------------


def write_reference(data_dir: Path, units: list[str]) -> None:
    ref = data_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    lines = ["unit_code,unit_name,level,parent_code,one_stop_since,valid_from,valid_to"]
    lines += [f"{u},Xã {u},commune,42,2008-01-01,2005-01-01," for u in units]
    (ref / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [
        "procedure_code,procedure_name,sector_code,sector_name,level,statutory_days,inter_agency"
    ]
    lines += [f"{c},{n},{sc},{sn},commune,{d},false" for c, n, sc, sn, d in PROCEDURES]
    (ref / "procedures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def unit_code(k: int) -> str:
    return f"{10000 + k}"


def generate_big(data_dir: Path, rows: int, files: int) -> list[Path]:
    """Shape (a): ``rows`` rows spread evenly over ``files`` files, one unit each."""
    import duckdb

    units = [unit_code(k) for k in range(files)]
    write_reference(data_dir, units)
    out = data_dir / "_partitions"
    per_file = -(-rows // files)
    con = duckdb.connect()
    con.execute(
        f"copy ({ROWS_SQL.format(file_expr=f'i // {per_file}', rows=rows)}) to '{out}' "
        "(format csv, header true, partition_by (f))"
    )
    con.close()
    paths = []
    for k in range(files):
        parts = list((out / f"f={k}").glob("*.csv"))
        day = FIRST_DAY + dt.timedelta(days=k % 30)
        target = data_dir / "landing" / day.isoformat() / f"{units[k]}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        if len(parts) == 1:
            os.replace(parts[0], target)
            paths.append(target)
    shutil.rmtree(out)
    return paths


def generate_small(data_dir: Path, units: int, files: int, rows_per_file: int) -> tuple[int, int]:
    """Shape (b): nightly files for ``units`` units, night after night, ``files`` in all.

    Returns (files, rows). The same rows are also written, one big file per night, under
    ``<data_dir>_big`` (for the small-versus-big comparison).
    """
    import duckdb

    codes = [unit_code(k) for k in range(units)]
    nights = -(-files // units)
    rng = random.Random(3)
    counts = [rng.randint(0, 2 * rows_per_file) for _ in range(nights * units)]
    total = sum(counts)
    con = duckdb.connect()
    lines = [
        line
        for (line,) in con.execute(
            f"select concat_ws(',', dossier_code, procedure_code, procedure_name, sector, channel,"
            f" applicant_name, applicant_id, applicant_phone, applicant_address, handling_agency,"
            f" received_at, due_at, coalesce(finished_at, ''), coalesce(returned_at, ''), status,"
            f" coalesce('\"' || replace(notes, '\"', '\"\"') || '\"', ''))"
            f" from ({ROWS_SQL.format(file_expr='0', rows=total)})"
        ).fetchall()
    ]
    con.close()
    big_dir = data_dir.with_name(data_dir.name + "_big")
    write_reference(data_dir, codes)
    write_reference(big_dir, codes)
    position = 0
    written = 0
    for night in range(nights):
        day = (FIRST_DAY + dt.timedelta(days=night)).isoformat()
        folder = data_dir / "landing" / day
        folder.mkdir(parents=True, exist_ok=True)
        night_lines = []
        for k in range(units):
            if written == files:
                break
            n = counts[night * units + k]
            chunk = lines[position : position + n]
            position += n
            night_lines += chunk
            (folder / f"{codes[k]}.csv").write_text(
                HEADER + "\n" + "".join(line + "\n" for line in chunk), encoding="utf-8"
            )
            written += 1
        big = big_dir / "landing" / day / f"{codes[0]}.csv"
        big.parent.mkdir(parents=True, exist_ok=True)
        big.write_text(HEADER + "\n" + "".join(line + "\n" for line in night_lines), "utf-8")
    return written, position


# --- measurements (each in a child process) ----------------------------------------------------


def child_baseline(data_dir: Path) -> dict:
    import duckdb

    files = sorted(str(p) for p in (data_dir / "landing").glob("*/*.csv"))
    db = data_dir / "baseline.duckdb"
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table t as select * from read_csv(?)", [files])
    rows = con.execute("select count(*) from t").fetchone()[0]
    con.close()
    seconds = time.perf_counter() - start
    db.unlink()
    return {"rows": rows, "seconds": seconds}


def child_ingest(data_dir: Path) -> dict:
    import logging

    from ingestion.load import ingest
    from motcua.common.config import Settings

    logging.basicConfig(level=logging.WARNING)
    os.environ["MOTCUA_PSEUDONYM_KEY"] = "benchmark-key"
    settings = Settings(data_dir)
    start = time.perf_counter()
    summary = ingest(settings)
    seconds = time.perf_counter() - start
    return {
        "rows": summary.rows_loaded,
        "seconds": seconds,
        "files": summary.files_new,
        "loaded": summary.loaded,
        "quarantined": summary.quarantined,
    }


def run_child(kind: str, data_dir: Path) -> dict:
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = threading.Event()
    peak = [0.0]

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], tree_rss_mb(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    done.set()
    sampler.join()
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args, out, err)
    result = json.loads(out.strip().splitlines()[-1])
    result["maxrss_mb"] = max(result["maxrss_mb"], peak[0])
    return result


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and of all its descendants now, in MiB (0 without /proc).

    The pipeline fetches many files in worker processes: a peak of the parent alone would leave
    them out (and ``RUSAGE_CHILDREN`` only knows the largest child, not how many ran at once).
    """
    total_kb = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
                pending += [int(c) for c in children.split()]
        except OSError:  # gone meanwhile, or no /proc
            continue
        total_kb += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")),
            0,
        )
    return total_kb / 1024


def child_main(kind: str, data_dir: Path) -> None:
    result = {"baseline": child_baseline, "ingest": child_ingest}[kind](data_dir)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# --- the run -----------------------------------------------------------------------------------


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def line(label: str, result: dict) -> str:
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0.0
    return (
        f"{label:<44} {result['rows']:>10,} rows {result['seconds']:>8.2f} s "
        f"{rate:>12,.0f} rows/s  peak {result['maxrss_mb']:>7.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="shape (a) rows")
    parser.add_argument("--files", type=int, default=300, help="shape (a) files")
    parser.add_argument("--units", type=int, default=3_000, help="shape (b) units")
    parser.add_argument("--small-files", type=int, default=100_000, help="shape (b) files")
    parser.add_argument("--small-rows", type=int, default=5, help="shape (b) mean rows a file")
    parser.add_argument("--skip-small", action="store_true", help="measure shape (a) only")
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the data")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], Path(args.child[1]))
        return

    root = Path(tempfile.mkdtemp(prefix="motcua-bench-", dir=args.workdir))
    try:
        a_dir = root / "a"
        start = time.perf_counter()
        paths = generate_big(a_dir, args.rows, args.files)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"shape (a): {args.rows:,} rows in {len(paths)} CSV files, {size / 2**20:,.0f} MiB "
            f"(generated in {time.perf_counter() - start:.1f} s)",
            flush=True,
        )
        baseline = run_child("baseline", a_dir)
        print(line("(a) DuckDB read_csv into a table (baseline)", baseline), flush=True)
        pipeline = run_child("ingest", a_dir)
        print(line("(a) motcua ingest", pipeline), flush=True)
        assert pipeline["rows"] == args.rows == baseline["rows"], (pipeline, baseline)
        print(f"    archive {tree_size(a_dir / 'archive') / 2**20:,.0f} MiB", flush=True)
        shutil.rmtree(a_dir)

        if not args.skip_small:
            b_dir = root / "b"
            start = time.perf_counter()
            files, rows = generate_small(b_dir, args.units, args.small_files, args.small_rows)
            print(
                f"shape (b): {rows:,} rows in {files:,} nightly files of {args.units:,} units "
                f"(generated in {time.perf_counter() - start:.1f} s)",
                flush=True,
            )
            small = run_child("ingest", b_dir)
            print(line("(b) motcua ingest, nightly files", small), flush=True)
            big = run_child("ingest", root / "b_big")
            print(line("(b) motcua ingest, same rows in one file a night", big), flush=True)
            assert small["rows"] == big["rows"] == rows, (small, big)
            ratio_b = (big["rows"] / big["seconds"]) / (small["rows"] / small["seconds"])
            print(f"small_files_slowdown={ratio_b:.2f}  (big-file rows/s over small-file rows/s)")
            print(f"files_per_second={files / small['seconds']:,.0f}")
            print(
                f"peak_memory_mb a={pipeline['maxrss_mb']:.0f} b_small={small['maxrss_mb']:.0f} "
                f"b_big={big['maxrss_mb']:.0f} baseline={baseline['maxrss_mb']:.0f}"
            )
        ratio = (pipeline["rows"] / pipeline["seconds"]) / (baseline["rows"] / baseline["seconds"])
        print(f"ingest_vs_duckdb_baseline={ratio:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"data kept in {root}", file=sys.stderr)


if __name__ == "__main__":
    main()
