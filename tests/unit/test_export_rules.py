"""The export's answer columns and its .xlsx writer, without AWS."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from chalicelib.exports import rules, xlsx

QUESTIONS = [
    {"id": "held", "kind": "yes_no", "text_hi": "बैठक हुई?", "text_en": "Meeting held?"},
    {"id": "scheme", "kind": "choice", "text_hi": "योजना?", "text_en": "Scheme?",
     "choices": [{"value": "awas", "label_hi": "आवास", "label_en": "Housing"},
                 {"value": "ladli", "label_hi": "लाड़ली", "label_en": "Ladli"}]},
    {"id": "people", "kind": "number", "text_hi": "कितने?", "text_en": "How many?"},
    {"id": "remark", "kind": "text", "text_hi": "टिप्पणी", "text_en": "Remark"},
]


def test_columns_and_cells_in_the_language_asked() -> None:
    en, hi = rules.columns(QUESTIONS, "en"), rules.columns(QUESTIONS, "hi")
    assert rules.headers(en) == ["Meeting held?", "Scheme?", "How many?", "Remark"]
    assert rules.headers(hi) == ["बैठक हुई?", "योजना?", "कितने?", "टिप्पणी"]
    answers = {"held": False, "scheme": "ladli", "people": 40.0, "remark": "=x"}
    assert rules.answer_cells(en, answers, "en") == ["no", "Ladli", 40, "=x"]
    assert rules.answer_cells(hi, answers, "hi") == ["नहीं", "लाड़ली", 40, "=x"]
    assert rules.answer_cells(hi, {}, "hi") == ["", "", "", ""]


def test_the_latest_answer_of_each_question_wins() -> None:
    calls = [("2026-03-02T10:00", {"held": True, "people": 3}), ("2026-01-02T10:00", {"held": False, "remark": "a"}),
             ("2026-03-05T10:00", None)]
    assert rules.latest_answers(calls) == {"held": True, "people": 3, "remark": "a"}


def test_column_names() -> None:
    assert [xlsx.column_name(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_workbook_is_valid_xml_with_typed_cells_and_no_formula() -> None:
    body = xlsx.workbook_bytes(["a", "b & <c>"], [["=SUM(A1)", 5, 2.5, "x\x01y", None, True]], sheet_name="s")
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        names = set(book.namelist())
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= names
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    ElementTree.fromstring(sheet)  # well-formed
    assert "<f>" not in sheet
    assert '<c r="A2" s="1" t="inlineStr"><is><t xml:space="preserve">=SUM(A1)</t></is></c>' in sheet
    assert '<c r="B2"><v>5</v></c><c r="C2"><v>2.5</v></c>' in sheet
    assert ">xy<" in sheet and "b &amp; &lt;c&gt;" in sheet and 'r="E2"' not in sheet
    assert '<c r="F2" t="inlineStr"><is><t xml:space="preserve">True</t></is></c>' in sheet
