"""CSV in and out, as spreadsheet programs write and read it. Pure: no AWS.

In: UTF-8 with or without a BOM, UTF-16 LE/BE with a BOM (Excel's "Unicode Text", tab-separated),
comma, semicolon or tab delimited, quoted fields spanning lines. Everything else is refused with a
message that says what the file is and how to save it properly. Records are read with their byte
offsets in the original encoding, so a chunk of the file can later be read back by a byte range.

Out: UTF-8 with a BOM (Excel then shows Devanagari intact), CRLF rows, and every cell that a
spreadsheet would run as a formula neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class FileProblem(Exception):
    """The file as a whole cannot be read: its encoding, its kind or its header."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Encoding:
    codec: str  # a Python codec for the body, BOM excluded
    bom: int  # bytes of byte-order mark before the first record


@dataclass(frozen=True)
class Record:
    line: int  # physical line where the record starts (1-based; the header is usually line 1)
    start: int  # byte offset of the record in the file
    end: int  # byte offset just after it
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


def detect_encoding(head: bytes) -> Encoding:
    """Name the encoding from the first bytes, or refuse the file with the reason."""
    if not head:
        raise FileProblem("empty_file", "the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem("not_csv", "this is an Excel workbook (.xlsx), not CSV: in Excel use "
                                     "File > Save As > 'CSV UTF-8 (Comma delimited)' and upload that file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("not_csv", "this is an old Excel workbook (.xls), not CSV: save it as 'CSV UTF-8'")
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise FileProblem("unsupported_encoding", "UTF-32 files are not accepted: save the file as 'CSV UTF-8'")
    if head.startswith(b"\xef\xbb\xbf"):
        return Encoding("utf-8", 3)
    if head.startswith(b"\xff\xfe"):
        return Encoding("utf-16-le", 2)
    if head.startswith(b"\xfe\xff"):
        return Encoding("utf-16-be", 2)
    sample = head[:4096]
    if sample.count(0) > len(sample) // 4:
        raise FileProblem("unsupported_encoding", "the file looks like UTF-16 without a byte-order mark: "
                                                  "save it again as 'CSV UTF-8' or as 'Unicode Text'")
    return Encoding("utf-8", 0)


def decode(data: bytes, enc: Encoding) -> str:
    """The whole body as text; a byte that is not valid in the encoding refuses the file, naming its line."""
    body = data[enc.bom:]
    try:
        return body.decode(enc.codec)
    except UnicodeDecodeError as exc:
        if enc.codec == "utf-8":
            line = body[:exc.start].count(b"\n") + 1
            raise FileProblem(
                "wrong_encoding",
                f"line {line} is not UTF-8 (byte 0x{body[exc.start]:02X}): the file was probably saved as "
                "'CSV' (ANSI/Windows-1252), which cannot hold Devanagari. Save it again as 'CSV UTF-8' "
                "(or 'Unicode Text') and upload it again",
            ) from exc
        unit = 2
        line = body[:exc.start - exc.start % unit].decode(enc.codec, errors="replace").count("\n") + 1
        raise FileProblem("wrong_encoding", f"line {line} is not valid {enc.codec.upper()} text: "
                                            "save the file again as 'CSV UTF-8'") from exc


def _lines(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    number = first_line
    for match in _LINE.finditer(text):
        yield number, match.group()
        number += 1


def records(text: str, enc: Encoding, *, delimiter: str, base_offset: int, first_line: int = 1) -> Iterator[Record]:
    """Every record of `text` (which starts at byte `base_offset` of the file), with its line and
    byte range. Quoted fields may span lines; a record's byte range covers all of them."""
    state = {"line": first_line, "bytes": base_offset}
    source = _lines(text, first_line)

    def feed() -> Iterator[str]:
        for number, line in source:
            state["line"] = number + 1
            state["bytes"] += len(line.encode(enc.codec))
            yield line

    reader = csv.reader(feed(), delimiter=delimiter, strict=False)
    start_line, start_byte = first_line, base_offset
    for cells in reader:
        yield Record(start_line, start_byte, state["bytes"], cells)
        start_line, start_byte = state["line"], state["bytes"]


def sniff_delimiter(header_line: str, known: set[str], normalise: Callable[[str], str]) -> str:
    """The delimiter that makes the most known column names out of the header line (',' on a tie)."""
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        score = sum(1 for c in cells if normalise(c) in known)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def clean(value: str) -> str:
    """A cell as a person meant it: NFC, no surrounding or non-breaking spaces, no zero-width marks."""
    value = unicodedata.normalize("NFC", value).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"\s+", " ", value).strip()


# ---- out -----------------------------------------------------------------------------------


def neutralise(value: object) -> str:
    """A cell a spreadsheet will show as text, never run: formulas get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(rows: Iterable[Iterable[object]], *, bom: bool = True) -> bytes:
    """Rows as UTF-8 CSV (CRLF, minimal quoting), every cell neutralised; with a BOM for a whole file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ((BOM if bom else "") + buffer.getvalue()).encode("utf-8")

