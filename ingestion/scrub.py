"""Personal data out of the free text clerks type: one SQL expression, vectorised in DuckDB.

Ledgers carry free text — ``notes`` (Ghi chú) above all, and ``procedure_name`` and
``handling_agency`` when a clerk types them — where clerks write what they need: "Ông Trần Văn
B. gọi lại SĐT 0912 345 678, CCCD 042085001234". Before such a value is stored anywhere but the
archive, :func:`scrub_sql` replaces

=============  ==========  ================================================================
what           marker      forms
=============  ==========  ================================================================
e-mail         ``[EMAIL]``  ``name.1985@gmail.com``
identity no.   ``[CCCD]``   CCCD 12 digits (also ``042 085 001 234``, ``0420.8500.1234``),
                            CMND 9 digits, passport one capital letter + 7–8 digits
phone          ``[SĐT]``    mobile and landline: ``0912345678``, ``0912 345 678``,
                            ``0912.345.678``, ``+84 912 345 678``, ``(+84) 912345678``,
                            ``84912345678``, ``(0239) 3855 123``, ``024.3825.1234``,
                            old 11-digit ``01695678945``
name           ``[TÊN]``    1–5 capitalised words after an honorific clerks use — Ông, Bà,
                            Anh, Chị, Em, Cô, Chú, Bác, Cụ, Cháu, Đ/c, Ô., B., ông/bà — in
                            any case, with or without diacritics (``Ong Tran Van Binh``)
=============  ==========  ================================================================

and keeps what is not personal: dossier and procedure codes (``000.00.31.H29-250101-0001``,
``1.004227``), dates (``15/01/2025``), money with thousands dots (``1.500.000 đồng``), decision
numbers (``1234/QĐ-UBND``), "Điều 12", lower-case words after an honorific ("Anh ấy", "bà con",
"Chú ý", "Bác sĩ"), and places whose name starts like an honorific ("Bà Rịa", "Ba Đình",
"Cô Tô", "Anh Sơn", "tiếng Anh"). :data:`EXAMPLES` lists the cases, each a test.

Why regular expressions and not a PII library: Presidio and its kin analyse one string at a time
in Python (minutes over 5 million rows) and need a language model downloaded at run time; the
patterns below run as RE2 in DuckDB, over whole columns. RE2 has no look-around and its ``\\b``
knows ASCII letters only, so a number's left edge is a consumed non-digit written back (``\\1``),
place names are shielded by a control character (U+001F) that the name rules refuse to follow,
and a name's start is marked (U+001E, U+001D) so that its words are matched from a literal;
the marks are removed at the end (and from the input first, so that a value cannot smuggle one
in).

Limits, known and accepted: a capitalised word right after a name is taken for part of it
(over-scrubbing, never a leak); a name written without an honorific ("Trần Văn B gọi lại") is
not recognised; a ten-digit tax or account number is taken for a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass

# The columns of a submission that hold text a clerk types (contract: ``notes``, and the
# optional ``procedure_name`` and ``handling_agency``).
FREE_TEXT_COLUMNS = ("procedure_name", "handling_agency", "notes")
# Of those, the ones whose values come back row after row (a catalogue name, an agency): worth
# scrubbing once per distinct value. Notes are mostly unique: scrubbed where they stand.
REPEATED_TEXT_COLUMNS = ("procedure_name", "handling_agency")

# Control characters the rules use as marks, removed from the input first and from the output:
SHIELD = "\x1f"  # before a place name, so that the name rules skip it
NAME_MARK = "\x1e"  # where a name starts, after an honorific (found first, cheaply)
ASCII_NAME_MARK = "\x1d"  # the same, for text typed without diacritics
_MARKS = (SHIELD, NAME_MARK, ASCII_NAME_MARK)

_WORD = r"\p{Lu}[\p{L}\p{M}]*"
_NAME = r"(?:" + _WORD + r" ){0,4}(?:\p{Lu}\.|" + _WORD + r")"
_HONORIFIC = (
    r"(?i:ông|bà|anh|chị|em|cô|chú|bác|cụ|cháu|đ/c|đồng chí)(?:/(?i:ông|bà|anh|chị))?|Ô\.|B\."
)
_ASCII_WORD = r"[A-Z][A-Za-z]*"
_ASCII_NAME = r"(?:" + _ASCII_WORD + r" ){0,4}(?:[A-Z]\.|" + _ASCII_WORD + r")"
_ASCII_HONORIFIC = (
    r"(?i:ong|ba|anh|chi|em|co|chu|bac|cu|chau|d/c|dong chi)(?:/(?i:ong|ba|anh|chi))?|O\.|B\."
)
_PLACES = (
    r"Bà (?:Rịa|Chiểu|Điểm|Đen|Triệu|Huyện Thanh Quan|Hạt|Quẹo)"
    r"|Ba (?:Đình|Vì|Tri|Tơ|Chẽ|Bể|Đồn|Lan|Láng|Na|Dinh|Vi)"
    r"|Cô (?:Tô|Giang|Bắc)|Anh (?:Sơn|Quốc)|Bác Ái|Ông Ích Khiêm|Chi (?:Cục|Nhánh|Bộ)"
)


@dataclass(frozen=True)
class Rule:
    """One replacement, applied in the order of :data:`RULES` (RE2 syntax, all matches)."""

    name: str
    pattern: str
    replacement: str


RULES: tuple[Rule, ...] = (
    # e-mail first: an address may hold digit runs that look like phones or identity numbers
    Rule(
        "email",
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
        "[EMAIL]",
    ),
    # CCCD (and 12-digit CMND): 12 digits, or grouped 3-3-3-3 / 4-4-4 (every CCCD starts with 0,
    # which keeps money like 120.500.000.000 out)
    Rule(
        "cccd",
        r"(^|[^0-9])(\d{12}|0\d{2}(?:[ .]\d{3}){3}|0\d{3}(?:[ .]\d{4}){2})\b",
        r"\1[CCCD]",
    ),
    # phones: trunk 0, +84, (+84) or 84, then 9 or 10 digits with one optional separator
    # (space, dot, dash, ") ") between any two
    Rule(
        "phone",
        r"(^|[^0-9+])((?:\(?\+84\)?[ .\-]?|84[ .\-]?|\(?0)[1-9](?:(?:[ .\-]|\) ?)?\d){8,9})\b",
        r"\1[SĐT]",
    ),
    # CMND: 9 digits in one run (dotted money keeps its dots, so it never is one run); after the
    # phones, whose national number after +84 has 9 digits too
    Rule("cmnd", r"(^|[^0-9])\d{9}\b", r"\1[CCCD]"),
    # passport: one capital letter and 7 or 8 digits, not glued to a word on the left
    Rule("passport", r"(^|[^\p{L}\p{N}])[A-Z]\d{7,8}\b", r"\1[CCCD]"),
    # places that start like an honorific: shielded from the name rules
    Rule("places", r"(^|[^\p{L}\p{N}])(" + _PLACES + ")", "\\1" + SHIELD + "\\2"),
    Rule("english", r"(^|[^\p{L}\p{N}])((?i:tiếng|nước|người) )(Anh)", "\\1\\2" + SHIELD + "\\3"),
    # names: an honorific, then 1-5 capitalised words (the last may be an initial with its dot).
    # In two steps, the second anchored on a mark the first leaves: one pattern holding both the
    # honorifics and the words costs RE2 twice as much.
    Rule(
        "name_start",
        r"(^|[^\p{L}\p{N}" + SHIELD + r"])(" + _HONORIFIC + r") +(\p{Lu})",
        "\\1\\2 " + NAME_MARK + "\\3",
    ),
    Rule("name", NAME_MARK + _NAME, "[TÊN]"),
    # the same without diacritics, only when the name words are plain ASCII letters, so that
    # "Ba Vì" or "Chi Cục" (accented) survive
    Rule(
        "name_ascii_start",
        r"(^|[^\p{L}\p{N}" + SHIELD + r"])(" + _ASCII_HONORIFIC + r") +([A-Z])",
        "\\1\\2 " + ASCII_NAME_MARK + "\\3",
    ),
    Rule("name_ascii", ASCII_NAME_MARK + _ASCII_NAME + r"([^\p{L}\p{N}]|$)", r"[TÊN]\1"),
)

# A value none of these can be in is left alone without running the rules: an e-mail needs
# '@', a number three digits in a row, a name an honorific-like word and a capital after it.
_MAY_HOLD = (
    r"@|\d\d\d|[\d)][ .\-]\d|(?i:ông|bà|anh|chị|em|cô|chú|bác|cụ|cháu|đ/c|đồng chí|ong|ba|chi"
    r"|co|chu|bac|cu|chau|d/c|dong chi|ô\.|b\.)[ /]+\p{Lu}"
)


def _literal(text: str) -> str:
    """A SQL string literal (patterns go in as literals: DuckDB compiles each once)."""
    return "'" + text.replace("'", "''") + "'"


def scrub_sql(expr: str) -> str:
    """A DuckDB expression: ``expr`` (text, NFC) with personal data replaced by markers.

    NULL stays NULL; a value with nothing that looks personal is returned unchanged."""
    marks = _literal("[" + "".join(_MARKS) + "]")
    out = f"regexp_replace({expr}, {marks}, '', 'g')"
    for rule in RULES:
        out = f"regexp_replace({out}, {_literal(rule.pattern)}, {_literal(rule.replacement)}, 'g')"
    out = f"regexp_replace({out}, {marks}, '', 'g')"
    return f"(case when regexp_matches({expr}, {_literal(_MAY_HOLD)}) then {out} else {expr} end)"


# (what a clerk typed, what is stored): the documented behaviour, each pair a test.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Ông Trần Văn B. gọi lại SĐT 0912 345 678, CCCD 042085001234",
        "Ông [TÊN] gọi lại SĐT [SĐT], CCCD [CCCD]",
    ),
    ("Bà Nguyễn Thị Lan, ĐT: 0987.654.321", "Bà [TÊN], ĐT: [SĐT]"),
    ("LH anh Lê Minh Tuấn 0339-123-456", "LH anh [TÊN] [SĐT]"),
    ("SĐT +84 912 345 678", "SĐT [SĐT]"),
    ("SĐT (+84) 912345678", "SĐT [SĐT]"),
    ("SĐT 84912345678", "SĐT [SĐT]"),
    ("số cũ 01695678945", "số cũ [SĐT]"),
    ("ĐT cơ quan (0239) 3855 123", "ĐT cơ quan [SĐT]"),
    ("ĐT 024.3825.1234 hoặc 028 3822 1234", "ĐT [SĐT] hoặc [SĐT]"),
    ("0912345678/0987654321", "[SĐT]/[SĐT]"),
    ("SĐT0912345678", "SĐT[SĐT]"),
    ("CMND 186543210 cấp ngày 15/01/2010", "CMND [CCCD] cấp ngày 15/01/2010"),
    ("CCCD 042 085 001 234", "CCCD [CCCD]"),
    ("CCCD 0420.8500.1234", "CCCD [CCCD]"),
    ("Hộ chiếu C1234567, hộ chiếu cũ B7654321", "Hộ chiếu [CCCD], hộ chiếu cũ [CCCD]"),
    ("email nguyenvana.1985@gmail.com", "email [EMAIL]"),
    ("mail: tran_thi.b+hs@hatinh.gov.vn; 0912345678@yahoo.com", "mail: [EMAIL]; [EMAIL]"),
    ("Chị NGUYỄN THỊ HOA nộp thay", "Chị [TÊN] nộp thay"),
    ("Chị Tôn Nữ Thị Lan Anh nộp thay", "Chị [TÊN] nộp thay"),
    ("Ô. Phạm Văn Đồng, B. Lê Thị C", "Ô. [TÊN], B. [TÊN]"),
    ("ông/bà Hoàng Văn Nam", "ông/bà [TÊN]"),
    ("Đ/c Võ Văn Kiệt ký", "Đ/c [TÊN] ký"),
    ("Cụ Đặng Thị Mơ, cháu Đặng Văn Tí", "Cụ [TÊN], cháu [TÊN]"),
    ("Ong Tran Van Binh nop ho so", "Ong [TÊN] nop ho so"),
    ("chi Nguyen Thi Hoa, SDT 0912345678", "chi [TÊN], SDT [SĐT]"),
    ("Anh Nguyễn Văn A,Chị Trần Thị B", "Anh [TÊN],Chị [TÊN]"),
    # what is not personal stays as it is
    ("000.00.31.H29-250101-0001", "000.00.31.H29-250101-0001"),
    ("Hẹn trả ngày 15/01/2025 lúc 08:30", "Hẹn trả ngày 15/01/2025 lúc 08:30"),
    ("Lệ phí 1.500.000 đồng", "Lệ phí 1.500.000 đồng"),
    ("Giá trị 12.500.000.000 đồng", "Giá trị 12.500.000.000 đồng"),
    ("Thủ tục 1.004227 và 2.002307.000.00.00.H29", "Thủ tục 1.004227 và 2.002307.000.00.00.H29"),
    (
        "Nộp 3 bản sao theo Điều 12 Nghị định 137/2015/NĐ-CP",
        "Nộp 3 bản sao theo Điều 12 Nghị định 137/2015/NĐ-CP",
    ),
    ("QĐ số 1234/QĐ-UBND ngày 01/02/2024", "QĐ số 1234/QĐ-UBND ngày 01/02/2024"),
    ("Anh ấy đã nộp bổ sung", "Anh ấy đã nộp bổ sung"),
    ("Ông bà hai bên đồng ý; bà con trong xóm", "Ông bà hai bên đồng ý; bà con trong xóm"),
    ("Chú ý: cụ thể là Bác sĩ ký", "Chú ý: cụ thể là Bác sĩ ký"),
    (
        "UBND thành phố Bà Rịa, tỉnh Bà Rịa - Vũng Tàu",
        "UBND thành phố Bà Rịa, tỉnh Bà Rịa - Vũng Tàu",
    ),
    (
        "UBND quận Ba Đình; huyện Ba Vì; Chi cục Thuế",
        "UBND quận Ba Đình; huyện Ba Vì; Chi cục Thuế",
    ),
    ("huyện Cô Tô; huyện Anh Sơn; tiếng Anh B1", "huyện Cô Tô; huyện Anh Sơn; tiếng Anh B1"),
    ("Cấp giấy chứng nhận quyền sử dụng đất", "Cấp giấy chứng nhận quyền sử dụng đất"),
    ("UBND xã Thạch Hạ", "UBND xã Thạch Hạ"),
)
