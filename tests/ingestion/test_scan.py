"""ingestion.scan: what a landing path says, which files a scan finds, which to examine, and
how they are cut into chunks."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from ingestion import scan
from ingestion.scan import Candidate, chunks, classify_path, scan_landing, to_examine

DAY = dt.date(2009, 1, 5)
ALLOWED = "csv, xlsx, json, jsonl"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("2009-01-05/44501.csv", ("44501", DAY, "csv", None)),
        ("2009-01-05/S01.XLSX", ("S01", DAY, "xlsx", None)),  # the extension in any case
        ("2009-01-05/445.jsonl", ("445", DAY, "jsonl", None)),
        ("2009-01-05/a.b_c-1.json", ("a.b_c-1", DAY, "json", None)),
    ],
)
def test_a_good_path_gives_unit_date_and_extension(path, expected):
    assert classify_path(path) == expected


def bad(code: str, message: str) -> tuple[str, str, str]:
    return ("R02_unreadable_file", code, message)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "44501.csv",
            (
                "44501",
                None,
                "csv",
                bad(
                    "bad_path",
                    "'44501.csv' is not <YYYY-MM-DD>/<unit_code>.<ext> directly under landing/",
                ),
            ),
        ),
        (  # one folder too deep: the date folder is the file's parent, not landing's child
            "2009-01-05/late/44501.csv",
            (
                "44501",
                None,
                "csv",
                bad(
                    "bad_path",
                    "'2009-01-05/late/44501.csv' is not <YYYY-MM-DD>/<unit_code>.<ext> "
                    "directly under landing/",
                ),
            ),
        ),
        (  # a path climbing out of landing/ is never a submission, whatever its date
            "../2009-01-05/44501.csv",
            (
                "44501",
                DAY,
                "csv",
                bad(
                    "leaves_landing",
                    "'../2009-01-05/44501.csv' holds '..', '.' or an empty or absolute part: "
                    "a path that tries to leave the landing folder",
                ),
            ),
        ),
        (
            "2009-01-05/..",
            (
                None,
                DAY,
                "",
                bad(
                    "leaves_landing",
                    "'2009-01-05/..' holds '..', '.' or an empty or absolute part: "
                    "a path that tries to leave the landing folder",
                ),
            ),
        ),
        (
            "/etc/44501.csv",
            (
                "44501",
                None,
                "csv",
                bad(
                    "leaves_landing",
                    "'/etc/44501.csv' holds '..', '.' or an empty or absolute part: "
                    "a path that tries to leave the landing folder",
                ),
            ),
        ),
        (
            "2009-01-05/./44501.csv",
            (
                "44501",
                None,
                "csv",
                bad(
                    "leaves_landing",
                    "'2009-01-05/./44501.csv' holds '..', '.' or an empty or absolute part: "
                    "a path that tries to leave the landing folder",
                ),
            ),
        ),
        (
            "2009-02-30/44501.csv",  # looks like a date, is none
            (
                "44501",
                None,
                "csv",
                bad("bad_date_folder", "folder '2009-02-30' is not a valid report date YYYY-MM-DD"),
            ),
        ),
        (
            "20090105/44501.csv",
            (
                "44501",
                None,
                "csv",
                bad("bad_date_folder", "folder '20090105' is not a valid report date YYYY-MM-DD"),
            ),
        ),
        (
            "2009-01-05/44501.txt",
            (
                "44501",
                DAY,
                "txt",
                bad("extension_not_allowed", f"extension '.txt' is not one of {ALLOWED}"),
            ),
        ),
        (
            "2009-01-05/44501",
            (
                "44501",
                DAY,
                "",
                bad("extension_not_allowed", f"extension '.' is not one of {ALLOWED}"),
            ),
        ),
        (
            "2009-01-05/xã 1.csv",
            (None, DAY, "csv", bad("bad_name", "file name 'xã 1.csv' is not <unit_code>.<ext>")),
        ),
        (
            "2009-01-05/.hidden.csv",
            (None, DAY, "csv", bad("bad_name", "file name '.hidden.csv' is not <unit_code>.<ext>")),
        ),
        (  # the date folder is checked before the extension, the extension before the name
            "2009-13-01/x y.txt",
            (
                None,
                None,
                "txt",
                bad("bad_date_folder", "folder '2009-13-01' is not a valid report date YYYY-MM-DD"),
            ),
        ),
        (
            "2009-01-05/x y.txt",
            (
                None,
                DAY,
                "txt",
                bad("extension_not_allowed", f"extension '.txt' is not one of {ALLOWED}"),
            ),
        ),
    ],
)
def test_a_bad_path_gives_its_r02_reason(path, expected):
    assert classify_path(path) == expected


def test_scan_finds_every_file_and_link_in_name_order(tmp_path):
    landing = tmp_path / "landing"
    day = landing / "2009-01-05"
    (day / "sub").mkdir(parents=True)
    (day / "44502.csv").write_bytes(b"b" * 7)
    (day / "44501.csv").write_bytes(b"a" * 3)
    (day / "sub" / "445.csv").write_bytes(b"")
    os.utime(day / "44501.csv", ns=(1_231_142_400_123_456_789,) * 2)
    outside = tmp_path / "secret.csv"
    outside.write_text("not for us")
    (day / "S01.csv").symlink_to(outside)  # leaves landing: never followed
    (day / "445.csv").symlink_to(day / "44501.csv")  # a link to a landing file: not followed
    (day / "42.csv").symlink_to(day / "missing.csv")  # a link to nothing
    (landing / "2009-01-06").symlink_to(day)  # a link to a folder: not a file, not entered
    os.mkfifo(day / "44503.csv")  # a FIFO: never opened (opening it would wait for a writer)

    found = scan_landing(landing)

    assert [c.landing_path for c in found] == [
        "2009-01-05/42.csv",
        "2009-01-05/445.csv",
        "2009-01-05/44501.csv",
        "2009-01-05/44502.csv",
        "2009-01-05/44503.csv",
        "2009-01-05/S01.csv",
        "2009-01-05/sub/445.csv",
        "2009-01-06",
    ]
    by_path = {c.landing_path: c for c in found}
    assert by_path["2009-01-05/44501.csv"] == Candidate(
        "2009-01-05/44501.csv",
        str(day / "44501.csv"),
        3,
        1_231_142_400_123_456_789,
        "44501",
        DAY,
        "csv",
        None,
    )
    assert (by_path["2009-01-05/44502.csv"].size, by_path["2009-01-05/44502.csv"].path_error) == (
        7,
        None,
    )
    assert by_path["2009-01-05/445.csv"].path_error == bad(
        "symlink",
        f"'2009-01-05/445.csv' is a link to '{day / '44501.csv'}': links are never followed; "
        "put the file itself in landing/",
    )
    assert by_path["2009-01-05/445.csv"].size == len(str(day / "44501.csv"))  # the link itself
    assert by_path["2009-01-05/44503.csv"].path_error == bad(
        "special_file",
        "'2009-01-05/44503.csv' is a FIFO (named pipe), not a regular file: never opened; "
        "send the ledger as a file",
    )
    assert by_path["2009-01-05/S01.csv"].path_error == bad(
        "leaves_landing",
        f"'2009-01-05/S01.csv' is a link to '{outside}', outside the landing folder",
    )
    assert by_path["2009-01-05/42.csv"].path_error == bad(
        "not_a_file", "'2009-01-05/42.csv' is no file"
    )
    assert by_path["2009-01-06"].path_error == bad("not_a_file", "'2009-01-06' is no file")
    assert by_path["2009-01-05/sub/445.csv"].path_error[1] == "bad_path"


def test_scan_of_a_missing_landing_folder_finds_nothing(tmp_path):
    assert scan_landing(tmp_path / "landing") == []


def cand(path: str, mtime: int, size: int = 1) -> Candidate:
    unit, day, ext, error = classify_path(path)
    return Candidate(path, f"/landing/{path}", size, mtime, unit, day, ext, error)


def test_to_examine_skips_known_files_holds_later_dates_and_sorts_by_arrival():
    candidates = [
        cand("2009-01-06/44501.csv", 5),
        cand("2009-01-05/44502.csv", 9),
        cand("2009-01-05/44501.csv", 9),  # same mtime as 44502: the path decides
        cand("2009-01-05/445.csv", 1),
        cand("bad.csv", 0),  # no report date: last, and never waits
        cand("2009-01-07/44501.csv", 0),  # after the run's date: waits
        cand("2009-01-05/S01.csv", 3),  # taken in already, same size and mtime
        cand("2009-01-05/42.csv", 4),  # known path, touched since: examined again
    ]
    known = {"2009-01-05/S01.csv": (1, 3), "2009-01-05/42.csv": (1, 2)}

    todo, waiting = to_examine(candidates, known, dt.date(2009, 1, 6))

    assert [c.landing_path for c in todo] == [
        "2009-01-05/445.csv",
        "2009-01-05/42.csv",
        "2009-01-05/44501.csv",
        "2009-01-05/44502.csv",
        "2009-01-06/44501.csv",
        "bad.csv",
    ]
    assert waiting == 1
    todo, waiting = to_examine(candidates, known, None)  # no date: nothing waits
    assert (len(todo), waiting) == (7, 0)


def sizes(chunked: list[list[Candidate]]) -> list[list[int]]:
    return [[c.size for c in chunk] for chunk in chunked]


def test_chunks_grow_from_the_first_size_to_the_chunk_size():
    todo = [cand("2009-01-05/44501.csv", i, size=0) for i in range(1000 + 2000 + 4000 + 1)]
    chunked = chunks(todo)
    assert [len(chunk) for chunk in chunked] == [1000, 2000, 4000, 1]
    assert [c for chunk in chunked for c in chunk] == todo  # every file once, in order


def test_chunks_are_capped_by_files(monkeypatch):
    monkeypatch.setattr(scan, "FIRST_CHUNK_FILES", 2)
    monkeypatch.setattr(scan, "CHUNK_FILES", 5)
    todo = [cand("2009-01-05/44501.csv", i) for i in range(20)]
    assert [len(chunk) for chunk in chunks(todo)] == [2, 4, 5, 5, 4]
    monkeypatch.setattr(scan, "CHUNK_FILES", 1)  # never more than CHUNK_FILES, first one too
    assert [len(chunk) for chunk in chunks(todo[:3])] == [1, 1, 1]


def test_chunks_are_capped_by_bytes_after_the_file_that_reaches_the_cap(monkeypatch):
    monkeypatch.setattr(scan, "CHUNK_BYTES", 100)
    todo = [cand("2009-01-05/44501.csv", i, size) for i, size in enumerate([60, 50, 10, 100, 1, 1])]
    assert sizes(chunks(todo)) == [[60, 50], [10, 100], [1, 1]]
    todo = [cand("2009-01-05/44501.csv", 0, 500)]  # one file bigger than a chunk: a chunk
    assert sizes(chunks(todo)) == [[500]]


def test_no_file_to_examine_is_one_empty_chunk():
    assert chunks([]) == [[]]
