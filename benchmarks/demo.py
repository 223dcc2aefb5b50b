"""Demo benchmark: the demo province's generation, and optionally the whole ``motcua demo``.

1. ``generate_province`` of ``--profile`` (``hatinh``, the 2009 review: 82,652 files; or
   ``hatinh-2026``: 67,517 files, 949,481 rows) into a fresh folder, timed;
2. the baseline, in the same run: copying the landing tree it wrote (reading and writing the same
   files, one by one), i.e. what the generator cannot go below on this disk;
3. with ``--end-to-end``: ``motcua --data-dir <fresh folder> demo --profile <profile>`` in its own
   process (generation, the Airflow metadata database and one run of ``motcua_nightly`` through
   Airflow, the printed summary), timed, against the 10 minutes issue #14 gives the hatinh-2026
   demo on 2 cores.

The last line printed is ``generation_vs_copy=<generation seconds / copy seconds>`` (after
``demo_vs_10_minutes=`` with ``--end-to-end``).

    .venv/bin/python benchmarks/demo.py                                  # hatinh, generation
    .venv/bin/python benchmarks/demo.py --profile hatinh-2026 --end-to-end
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from motcua.demo import generate_province  # noqa: E402

MOTCUA = str(Path(sys.executable).with_name("motcua"))
DEMO_TARGET_SECONDS = 600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="hatinh", choices=["hatinh", "hatinh-2026", "small"])
    parser.add_argument("--seed", type=int, default=2009)
    parser.add_argument("--end-to-end", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-demo-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        generate_province(tmp / "gen", seed=args.seed, profile=args.profile)
        generation = time.perf_counter() - started
        files = sum(1 for p in (tmp / "gen" / "landing").rglob("*") if p.is_file())
        print(f"generation of {args.profile}: {generation:.1f} s, {files:,} files")

        started = time.perf_counter()
        shutil.copytree(tmp / "gen" / "landing", tmp / "copy")
        copy = time.perf_counter() - started
        print(f"copy of its landing tree: {copy:.1f} s")

        if args.end_to_end:
            started = time.perf_counter()
            subprocess.run(
                [MOTCUA, "--data-dir", str(tmp / "demo"), "demo", "--profile", args.profile],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            demo = time.perf_counter() - started
            print(f"motcua demo --profile {args.profile}: {demo:.1f} s end to end")
            print(f"demo_vs_10_minutes={demo / DEMO_TARGET_SECONDS:.3f}")
    print(f"generation_vs_copy={generation / copy:.2f}")


if __name__ == "__main__":
    main()
