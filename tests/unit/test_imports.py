"""Pure rules of imports: encodings, records with their byte ranges, headers and their Hindi aliases,
what a cell may hold, and spreadsheet-safe CSV out. No AWS."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.imports import csvio, rules

HEADER = "नाम,मोबाइल,भूमिका,बूथ\r\n"
BODY = 'राम,098765 43210,बूथ अध्यक्ष,b1\r\n"Verma, Anil\nJr.",९८७६५४३२११,panna pramukh,b2\r\n\r\nX,1,y,z\n'


@pytest.mark.parametrize("codec,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
                                       ("utf-16-be", b"\xfe\xff")])
def test_records_carry_lines_and_byte_ranges_that_read_back_exactly(codec: str, bom: bytes) -> None:
    data = bom + (HEADER + BODY).encode(codec)
    enc = csvio.detect_encoding(data)
    assert (enc.codec, enc.bom) == (codec, len(bom))
    text = csvio.decode(data, enc)
    records = list(csvio.records(text, enc, delimiter=",", base_offset=enc.bom))
    assert [(r.line, r.blank) for r in records] == [(1, False), (2, False), (3, False), (5, True), (6, False)]
    assert records[2].cells[0] == "Verma, Anil\nJr."
    for record in records:  # a chunk reads its byte range back and gets the same record
        again = data[record.start:record.end].decode(codec)
        assert next(csv.reader(io.StringIO(again, newline=""))) == record.cells or record.blank
    tail = data[records[2].start:]
    resumed = list(csvio.records(tail.decode(codec), csvio.Encoding(codec, 0), delimiter=",",
                                 base_offset=records[2].start, first_line=3))
    assert [(r.line, r.start, r.cells) for r in resumed] == [(r.line, r.start, r.cells) for r in records[2:]]


@pytest.mark.parametrize("data,code", [
    (b"", "empty_file"), (b"PK\x03\x04...", "not_csv"), (b"\xd0\xcf\x11\xe0...", "not_csv"),
    (b"\xff\xfe\x00\x00a\x00\x00\x00", "unsupported_encoding"),
    ("name,phone\n".encode("utf-16-le"), "unsupported_encoding"),
])
def test_files_that_are_not_csv_text_are_named(data: bytes, code: str) -> None:
    with pytest.raises(csvio.FileProblem) as err:
        csvio.detect_encoding(data)
    assert err.value.code == code


def test_a_byte_that_is_not_utf8_names_its_line_and_the_fix() -> None:
    data = "name,phone\nRam,1\nRené,2\n".encode("cp1252")
    with pytest.raises(csvio.FileProblem) as err:
        csvio.decode(data, csvio.detect_encoding(data))
    assert err.value.code == "wrong_encoding"
    assert "line 3" in err.value.message and "CSV UTF-8" in err.value.message


def test_delimiter_is_the_one_that_makes_known_headers() -> None:
    known = rules.known_headers("contacts")
    assert csvio.sniff_delimiter("नाम;मोबाइल;भूमिका;बूथ", known, rules.key) == ";"
    assert csvio.sniff_delimiter("Name\tMobile No.\tRole\tBooth", known, rules.key) == "\t"
    assert csvio.sniff_delimiter("name,phone,role,unit", known, rules.key) == ","


@pytest.mark.parametrize("header,field", [
    ("फ़ोन", "phone"), ("फोन", "phone"), (" Mobile No. ", "phone"), ("मोबाइल नंबर", "phone"), ("PHONE_NUMBER", "phone"),
    ("नाम", "name"), ("Name (English)", "name_en"), ("नाम (हिंदी)", "name_hi"), ("भूमिका", "role"), ("पद", "role"),
    ("बूथ", "unit_id"), ("Unit ID", "unit_id"), ("भाषा", "language"), ("\ufeffname", "name"),
])
def test_headers_match_case_space_and_nukta_insensitively_with_hindi_aliases(header: str, field: str) -> None:
    columns = rules.map_header("contacts", [header, "phone", "role", "unit", "name"])
    assert columns.fields[0] == field


def test_a_missing_required_column_refuses_the_file_and_extra_columns_are_listed() -> None:
    with pytest.raises(csvio.FileProblem) as err:
        rules.map_header("contacts", ["name", "role", "booth"])
    assert err.value.code == "missing_columns" and "phone" in err.value.message
    columns = rules.map_header("contacts", ["name", "phone", "role", "booth", "Village", "phone"])
    assert columns.fields == ["name", "phone", "role", "unit_id", None, None]
    assert columns.ignored == ["Village", "phone"]


@pytest.mark.parametrize("raw,e164", [
    ("098765 43210", "+919876543210"), ("+91-98765-43210", "+919876543210"), ("9876543210", "+919876543210"),
    ("९८७६५४३२१०", "+919876543210"), ("9876543210.0", "+919876543210"), ("07162-242424", "+917162242424"),
])
def test_phones_as_district_lists_write_them(raw: str, e164: str) -> None:
    assert rules.phone(raw) == e164


@pytest.mark.parametrize("raw,words", [
    ("", "missing"), ("12345", "not a valid"), ("9.87654E+09", "scientific notation"),
    ("9876543210, 9876543211", "one phone number per row"), ("9876543210 / 9123456789", "one phone number per row"),
])
def test_bad_phones_say_why(raw: str, words: str) -> None:
    with pytest.raises(rules.RowError) as err:
        rules.phone(raw)
    assert words in err.value.reason and err.value.field == "phone"


def test_roles_levels_and_languages_in_hindi_and_english() -> None:
    assert rules.role("बूथ अध्यक्ष") == rules.role("Booth President") == "booth_president"
    assert rules.role("पन्ना प्रमुख") == rules.role("panna_pramukh") == "panna_pramukh"
    assert rules.level("शक्ति केंद्र") == rules.level("Shakti Kendra") == "shakti_kendra"
    assert rules.level("विधानसभा") == "assembly"
    assert rules.language("हिंदी") == "hi" and rules.language("English") == "en" and rules.language("") is None
    with pytest.raises(rules.RowError):
        rules.role("sarpanch")


def test_a_devanagari_name_goes_to_name_hi_and_a_latin_one_to_name_en() -> None:
    columns = rules.map_header("contacts", ["name", "phone", "role", "booth"])
    assert rules.row_values(columns, ["  राम\u00a0यादव ", "1", "r", "b"])["name_hi"] == "राम यादव"
    assert rules.row_values(columns, ["Ram", "1", "r"])["name_en"] == "Ram"  # a short row: the rest is blank
    with pytest.raises(rules.RowError) as err:
        rules.contact_row(2, {"phone": "9876543210", "role": "panna_pramukh", "unit_id": "b1", "name_hi": "????"})
    assert "???" in err.value.reason


@pytest.mark.parametrize("bad", ["Ram\x00Yadav", "Ram \u202eavadaY", "\u200b\u200b", "Ram\nYadav"])
def test_an_imported_name_follows_the_apis_text_rule(bad: str) -> None:
    """A spreadsheet cannot bring in a name the API would refuse (control, bidi override, invisible only,
    two lines): the row is rejected on that column."""
    with pytest.raises(rules.RowError) as err:
        rules.contact_row(2, {"phone": "9876543210", "role": "panna_pramukh", "unit_id": "b1", "name_en": bad})
    assert err.value.field == "name_en"
    assert rules.contact_row(2, {"phone": "9876543210", "role": "panna_pramukh", "unit_id": "b1",
                                 "name_hi": "राम\u200dयादव"})  # a joiner inside real text is kept


@pytest.mark.parametrize("cell,out", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"), ("+919876543210", "'+919876543210"),
    ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("राम", "राम"), (None, ""), (3, "3"),
])
def test_formulas_are_neutralised_on_the_way_out(cell: object, out: str) -> None:
    assert csvio.neutralise(cell) == out


def test_csv_out_has_a_bom_and_keeps_devanagari() -> None:
    data = csvio.csv_bytes([["नाम", "=1+1"], ["राम, यादव", "x"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [["नाम", "'=1+1"], ["राम, यादव", "x"]]
    assert not csvio.csv_bytes([["a"]], bom=False).startswith(b"\xef")


def test_rows_with_one_phone_however_written_are_the_same_row() -> None:
    same = {rules.identity("contacts", {"phone": p}) for p in
            ("098765 43210", "+91-98765-43210", "9876543210", "९८७६५४३२१०", "9876543210.0", "91 98765 43210")}
    assert same == {"9876543210"}
    assert rules.identity("contacts", {"phone": "12345"}) is None
    assert rules.identity("units", {"unit_id": " CHW-A1 "}) == "chw-a1"
