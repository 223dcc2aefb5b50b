"""Unit tests of header matching and value parsing (dates, status, channel, pseudonyms)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import duckdb
import pytest

from ingestion import parse, pseudonym
from ingestion.headers import is_recognisable, match_header, normalize_label


@pytest.fixture(scope="module")
def con():
    return duckdb.connect()


def sql_value(con, expr_sql: str, value):
    """Evaluate an expression written over the column ``x`` for one text value."""
    return con.execute(
        f"select {expr_sql} from (select cast(? as varchar) as x)", [value]
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["Mã hồ sơ", "Mã TTHC", "Trạng thái"], ["dossier_code", "procedure_code", "status"]),
        (
            ["  MÃ  HỒ SƠ ", "ma thu tuc", "TRANG THAI"],
            ["dossier_code", "procedure_code", "status"],
        ),
        (
            ["dossier_code", "Ngày nhận hồ sơ", "Hẹn trả kết quả"],
            ["dossier_code", "received_at", "due_at"],
        ),
        (["Tên cá nhân, tổ chức", "Số giấy tờ", "CCCD"], ["applicant_name", "applicant_id", None]),
        (
            ["STT", "Ma ho so", "Kênh nộp", "Ngày trả kết quả"],
            [None, "dossier_code", "channel", "returned_at"],
        ),
    ],
)
def test_header_matching(cells, expected):
    mapping = match_header(cells)
    assert [mapping.get(i) for i in range(len(cells))] == expected


def test_header_recognisable_needs_dossier_code_and_two_more():
    assert is_recognisable(match_header(["Mã hồ sơ", "Trạng thái", "Lĩnh vực"]))
    assert not is_recognisable(match_header(["Mã hồ sơ", "Trạng thái"]))
    assert not is_recognisable(match_header(["Trạng thái", "Lĩnh vực", "Kênh nộp"]))


def test_normalize_label_strips_diacritics_and_d_bar():
    assert normalize_label("Đã trả kết quả") == "da tra ket qua"
    assert normalize_label("Bưu chính công ích") == "buu chinh cong ich"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2009-02-05", dt.date(2009, 2, 5)),
        ("05/02/2009", dt.date(2009, 2, 5)),
        ("5/2/2009", dt.date(2009, 2, 5)),
        ("05-02-2009", dt.date(2009, 2, 5)),
        ("2009-02-05 14:30", dt.date(2009, 2, 5)),
        ("2009-02-05T23:59:59", dt.date(2009, 2, 5)),
        ("05/02/2009 08:15:00", dt.date(2009, 2, 5)),
        ("05-02-2009 08:15", dt.date(2009, 2, 5)),
        ("31/02/2009", None),
        ("hẹn lại sau", None),
        ("2009/02/05", None),
        (None, None),
    ],
)
def test_dates(con, text, expected):
    assert sql_value(con, parse.date_sql("x"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", 4),
        ("10", 10),
        ("4.0", 4),
        ("Đang xử lý", 4),
        ("ĐANG XỬ LÝ", 4),
        ("dang xu ly", 4),
        ("Đã trả kết quả", 10),
        ("Đã xử lý xong", 9),
        ("Công dân yêu cầu rút hồ sơ", 7),
        ("Không được tiếp nhận", 3),
        ("Mới đăng ký", 1),
        ("11", None),
        ("0", None),
        ("4.5", None),
        ("xong rồi", None),
    ],
)
def test_status(con, text, expected):
    assert sql_value(con, parse.status_sql("x"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("Trực tiếp", 1),
        ("trực tuyến", 2),
        ("Online", 2),
        ("Bưu chính công ích", 3),
        ("postal", 3),
        ("4", None),
        ("fax", None),
    ],
)
def test_channel(con, text, expected):
    assert sql_value(con, parse.channel_sql("x"), text) == expected


def test_hmac_in_sql_equals_python_hmac(con):
    key = b"a key that is not in the code"
    expected = hmac.new(key, b"012345678901", hashlib.sha256).hexdigest()
    got = sql_value(
        con, pseudonym.hmac_sql(key, pseudonym.applicant_identity_sql("x")), "012 345.678-901"
    )
    assert got == expected
    long_key = b"k" * 100  # longer than a block: hashed first, as RFC 2104 says
    assert (
        sql_value(con, pseudonym.hmac_sql(long_key, "x"), "x")
        == hmac.new(long_key, b"x", hashlib.sha256).hexdigest()
    )
    assert sql_value(con, pseudonym.hmac_sql(key, "x"), None) is None


def test_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(pseudonym.KEY_ENV, "from-env")
    assert pseudonym.load_key(tmp_path) == b"from-env"
    monkeypatch.delenv(pseudonym.KEY_ENV)
    generated = pseudonym.load_key(tmp_path)
    assert len(generated) == 64 and pseudonym.load_key(tmp_path) == generated
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o777 == 0o600
