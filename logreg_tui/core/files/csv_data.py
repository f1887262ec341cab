"""CSV files as people have them: quoted fields, a BOM, CRLF, `,` `;` or tab (sniffed, then said), UTF-16 from
Excel, more than two columns (picked by header or index), labels as 0/1, true/false, yes/no or two named classes.

NumPy and the standard library only. The rows are parsed by np.loadtxt (C, a few bytes of overhead a value);
when it refuses a file, one pass of the csv module finds the first bad line and says what is wrong with it.
"""

from __future__ import annotations

import csv
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MIN_ROW_BYTES = 4  # "1,0\n"
SAMPLE_BYTES = 1 << 16  # what the separator, the header and the columns are judged from
LABEL_NAMES = ("label", "y", "target", "class")  # a header column taken as the label without being asked
TRUE_WORDS = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
FLOAT32_MAX = float(np.finfo(np.float32).max)  # every x is trained on in float32
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")  # 3,04 as European spreadsheets save it
DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


class CsvError(ValueError):
    """What is wrong with the file, in one line naming it (and its line where there is one)."""


@dataclass(frozen=True)
class Columns:
    """How a file is read: its encoding, separator, header, and which columns are x and the label."""

    encoding: str
    separator: str
    header: list[str] | None
    count: int
    xs: tuple[int, ...]  # the features' columns, 0-based (one for the tutorial's x)
    label: int
    decimal_comma: bool = False  # a ;-separated file whose numbers are written 3,04

    def number(self, cell: str) -> float | None:
        return _number(cell.replace(",", ".") if self.decimal_comma else cell)

    def name(self, index: int) -> str:
        return repr(self.header[index]) if self.header else f"column {index + 1}"

    @property
    def x(self) -> int:
        """The first feature's column (the only one for the tutorial's x)."""
        return self.xs[0]

    def feature_names(self) -> tuple[str, ...]:
        """The features' names: their headers, or x1 … xd without one (x for a single column)."""
        if self.header:
            return tuple(self.header[k].strip() for k in self.xs)
        return ("x",) if len(self.xs) == 1 else tuple(f"x{j}" for j in range(1, len(self.xs) + 1))


@dataclass(frozen=True)
class Table:
    x: np.ndarray  # float32 (what trains): N for one x column, N × d for more
    y: np.ndarray  # 0.0 / 1.0
    reading: str  # one line: what was taken as what (shown on screen and on headless stderr)
    plain: bool  # a comma-separated x,label file with 0/1 labels: nothing was guessed
    names: tuple[str, ...] = ("x",)  # the features' names (the header's, or x1 … xd)


def read_table(path: str | Path, x_column: str | None = None, label_column: str | None = None,
               positive: str | None = None, max_rows: int = 100_000_000) -> Table:
    path = Path(path)
    raw = _sample(path)
    encoding = _encoding(path, raw)
    text = raw.decode(encoding, errors="ignore")
    columns = _columns(path, text, encoding, x_column, label_column)
    same_width = _scan(path, columns)  # before any parser reads it: no NUL, no line that never ends
    x, labels = _load(path, columns, max_rows, same_width)
    y, taken = _labels(path, columns, labels, positive)
    if not len(x):
        raise CsvError(f"{path}: no data rows")
    comma = ", decimal comma" if columns.decimal_comma else ""
    reading = (f"{SEPARATORS[columns.separator]}-separated{', ' + encoding if encoding.startswith('utf-16') else ''}"
               f"{comma}; x = {', '.join(columns.name(k) for k in columns.xs)}, label = {columns.name(columns.label)}"
               f"{taken}")
    plain = columns.separator == "," and columns.count == 2 and not taken and encoding == "utf-8-sig"
    return Table(x, y, reading, plain, columns.feature_names())


def _sample(path: Path) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise CsvError(f"{path}: no such file") from None
    except OSError as error:
        raise CsvError(f"{path}: cannot read: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CsvError(f"{path}: is a directory, not a CSV file")
    if not stat.S_ISREG(info.st_mode):  # a FIFO would wait forever, /dev/zero never ends
        raise CsvError(f"{path}: not a regular file (a pipe or a device): save the data to a file first")
    try:
        with open(path, "rb") as file:
            return file.read(SAMPLE_BYTES)
    except OSError as error:
        raise CsvError(f"{path}: cannot read: {error.strerror}") from None


def _encoding(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # Excel's "Unicode text"
    if b"\0" in raw:
        raise CsvError(f"{path}: binary file, not a CSV of x,label rows")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(raw) - 4:  # not just a character cut by the sample's end
            raise CsvError(f"{path}: not UTF-8 text (nor UTF-16 with its byte-order mark)") from None
    return "utf-8-sig"


def _rows(text: str, separator: str, limit: int = 50) -> list[list[str]]:
    lines = [line for line in text.splitlines()[:-1] or text.splitlines() if line.strip()][:limit]
    return [[cell.strip() for cell in row] for row in csv.reader(lines, delimiter=separator)]


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _columns(path: Path, text: str, encoding: str, x_column: str | None, label_column: str | None) -> Columns:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise CsvError(f"{path}: no data rows (need x,label lines)")
    separator = _separator(lines)
    rows = _rows(text, separator)
    decimal_comma = _decimal_comma(path, separator, rows)
    number = Columns("", separator, None, 0, (0,), 0, decimal_comma).number
    first = rows[0]
    header = first if any(number(cell) is None for cell in first) and len(rows) > 1 and \
        any(number(cell) is not None for cell in rows[1]) else None
    if header is None and len(rows) == 1 and all(number(cell) is None for cell in first):
        raise CsvError(f"{path}: no data rows (need x,label lines)")
    count = len(first)
    body = rows[1:] if header else rows
    numeric = [k for k in range(count) if all(k < len(row) and number(row[k]) is not None for row in body)]
    names = header or [str(k + 1) for k in range(count)]
    listed = ", ".join(repr(name) for name in header) if header else f"{count} unnamed"
    label = _pick(path, label_column, names, header, "--label-column")
    if label is None:
        found = [k for k, name in enumerate(names) if header and name.lower() in LABEL_NAMES]
        label = found[0] if found else (1 if count == 2 else None)
    xs = _pick_features(path, x_column, names, header, numeric, label)
    if xs is None and label is not None:
        others = [k for k in numeric if k != label]
        x = 1 - label if count == 2 else others[0] if len(others) == 1 else None
        xs = None if x is None else (x,)
    if count < 2:
        raise CsvError(f"{path}:1: expected 2 columns (x,label), found {count}")
    if xs is None or label is None:
        raise CsvError(f"{path}: {count} columns ({listed}): say which is x with --x-column NAME|N"
                       + ("" if label is not None else " and which is the label with --label-column NAME|N"))
    if label in xs:
        raise CsvError(f"{path}: x and the label are the same column ({names[label]!r})")
    if len(set(xs)) != len(xs):
        raise CsvError(f"{path}: --x-columns names a column twice")
    return Columns(encoding, separator, header, count, xs, label, decimal_comma)


def _pick_features(path: Path, given: str | None, names: list[str], header: list[str] | None,
                   numeric: list[int], label: int | None) -> tuple[int, ...] | None:
    """The features' columns: one (--x-column NAME|N), several (--x-columns A,B,…), or `all` the numeric columns
    but the label's; None when not given."""
    if given is None:
        return None
    if given.strip().lower() == "all":
        chosen = tuple(k for k in numeric if k != label)
        if not chosen:
            raise CsvError(f"{path}: --x-columns all: no numeric column besides the label's")
        return chosen
    picked = tuple(_pick(path, part.strip(), names, header, "--x-columns" if "," in given else "--x-column")
                   for part in given.split(","))
    return tuple(k for k in picked if k is not None)


def _decimal_comma(path: Path, separator: str, rows: list[list[str]]) -> bool:
    """A ;-separated file whose numbers are written with a decimal comma (3,04), every number alike; a file that
    mixes 3,04 and 3.04 is refused, naming both."""
    if separator != ";":
        return False
    cells = [cell for row in rows for cell in row]
    comma = next((cell for cell in cells if DECIMAL_COMMA.match(cell)), None)
    if comma is None:
        return False
    point = next((cell for cell in cells if DECIMAL_POINT.match(cell)), None)
    if point is not None:
        raise CsvError(f"{path}: its numbers mix a decimal comma ({comma!r}) and a decimal point ({point!r}): save "
                       "them all one way")
    return True


def _separator(lines: list[str]) -> str:
    """The one of , ; tab that splits the first lines alike (csv.Sniffer), comma when it cannot tell."""
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        return max(SEPARATORS, key=lambda s: min(line.count(s) for line in lines[:20]))


def _pick(path: Path, given: str | None, names: list[str], header: list[str] | None, option: str) -> int | None:
    """A column given by its header name (any case) or its 1-based number; None when not given."""
    if given is None:
        return None
    lowered = [name.lower() for name in names] if header else []
    if given.lower() in lowered:
        return lowered.index(given.lower())
    if given.isdigit() and 1 <= int(given) <= len(names):
        return int(given) - 1
    what = ", ".join(repr(name) for name in header) if header else f"columns 1 to {len(names)}"
    raise CsvError(f"{path}: {option} {given!r} is not a column; there are {what}")


def _load(path: Path, columns: Columns, max_rows: int, same_width: bool) -> tuple[np.ndarray, np.ndarray]:
    """(x as float32, the label column as float64 or as text), np.loadtxt parsing the rows; `same_width`: every
    row has as many cells (_scan)."""
    # loadtxt allocates max_rows rows up front: ask for the limit only of a file big enough to pass it (a row
    # takes 4 bytes at least), so that a small file costs what its rows do
    limit = max_rows + 1 if os.path.getsize(path) >= MIN_ROW_BYTES * max_rows else None
    common: dict[str, Any] = dict(delimiter=columns.separator, skiprows=1 if columns.header else 0,
                                  encoding=columns.encoding, quotechar='"', comments=None, max_rows=limit, ndmin=1)
    def commas(*used: int) -> dict[int | str, Callable[[str], Any]] | None:  # 3,04 → 3.04, per value in Python:
        return {k: _comma_number for k in used} if columns.decimal_comma else None  # only for such files

    one = len(columns.xs) == 1  # the tutorial's x: a 1-D array as always
    try:
        # x straight into float32, what trains (loadtxt parses a double and rounds it: the same floats as a
        # float64 load cast after), so that the load's peak is the data's size; the labels in a second pass
        x = np.loadtxt(path, usecols=columns.x if one else columns.xs, dtype=np.float32,
                       **common | ({} if one else {"ndmin": 2}), converters=commas(*columns.xs))
        try:
            labels = np.loadtxt(path, usecols=columns.label, **common, converters=commas(columns.label))
        except ValueError:  # text labels
            labels = np.loadtxt(path, usecols=columns.label, dtype=str, **common)
    except ValueError:
        raise _bad_line(path, columns) from None
    except MemoryError:
        raise CsvError(f"{path}: not enough memory to load it ({os.path.getsize(path) / 2**20:.0f} MB)") from None
    if len(x) > max_rows:
        raise CsvError(f"{path}: more than {max_rows} rows (stopped at the first past it)")
    if not same_width:  # loadtxt reads the columns it uses and ignores a row's extra ones
        raise _bad_line(path, columns)
    if not np.isfinite(x).all():  # past float32's range is ±inf in x
        raise _bad_line(path, columns)
    return x, labels


def _comma_number(cell: str) -> float:
    return float(cell.replace(",", "."))


MAX_LINE_BYTES = 1 << 20  # a CSV row longer than this is not a row (a sparse or binary tail, a file of one line)
CHUNK_BYTES = 1 << 20


def _scan(path: Path, columns: Columns) -> bool:
    """One streaming pass in chunks before any parser reads the file (memory bounded whatever its size): CsvError at
    the first NUL byte (a sparse or binary tail after valid rows) or a line longer than MAX_LINE_BYTES, naming
    where; and whether every row has the same number of cells, from its separators and lines (numpy over the bytes:
    loadtxt reads the columns it uses and ignores a row's extra ones). A quoted or UTF-16 file's rows are counted
    row by row instead."""
    if columns.encoding.startswith("utf-16"):  # two bytes a character: NUL bytes are the text's own
        return _first_bad_line(path, columns, only_width=True) is None
    separator, quoted = ord(columns.separator), False
    line, current, offset, last = 1, 0, 0, 0  # current: the bytes of the line not yet ended; last: the byte before
    separators = rows = 0
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            nul = chunk.find(b"\0")
            data = np.frombuffer(chunk if nul < 0 else chunk[:nul], dtype=np.uint8)
            ends = np.flatnonzero(data == 10)
            lengths = np.diff(ends, prepend=-1) - 1
            if lengths.size:
                lengths[0] += current
            longest = max(int(lengths.max(initial=0)), current + data.size if not ends.size else 0)
            if longest > MAX_LINE_BYTES:
                at = line + (int(np.argmax(lengths > MAX_LINE_BYTES)) if (lengths > MAX_LINE_BYTES).any()
                             else ends.size)
                raise CsvError(f"{path}:{at}: a line longer than {MAX_LINE_BYTES >> 20} MB: not rows of x,label")
            if nul >= 0:
                raise CsvError(f"{path}:{line + ends.size}: a NUL byte at byte {offset + nul}: the file turns binary "
                               "(or sparse) there, not a CSV of rows")
            before = np.where(ends > 0, data[np.maximum(ends - 1, 0)], last)  # a blank line may be a lone \r
            rows += int(np.count_nonzero((lengths > 1) | ((lengths == 1) & (before != 13))))
            separators += int(np.count_nonzero(data == separator))
            quoted = quoted or b'"' in chunk
            line += ends.size
            current = data.size - int(ends[-1]) - 1 if ends.size else current + data.size
            offset, last = offset + len(chunk), chunk[-1]
    rows += 1 if current else 0  # a last line without its newline
    if quoted:
        return _first_bad_line(path, columns, only_width=True) is None
    return separators == rows * (columns.count - 1)


def _labels(path: Path, columns: Columns, labels: np.ndarray, positive: str | None) -> tuple[np.ndarray, str]:
    """Labels as 0/1 and a note of what was taken as 1 (empty when they were 0/1 already)."""
    if labels.dtype.kind == "f" and positive is None:  # the usual file, without np.unique's sort of every label
        ones = labels == 1
        if (ones | (labels == 0)).all() and ones.any() and not ones.all():
            return labels, ""
    values = np.unique(labels)
    shown = ", ".join(repr(_plain(v)) for v in values[:5]) + (" …" if values.size > 5 else "")
    if values.size > 2:
        raise CsvError(f"{path}: labels must be two classes, found {values.size}: {shown}")
    if values.size < 2:
        raise CsvError(f"{path}: only one class (every label is {_plain(values[0])!r}); need both 0 and 1")
    words = [str(_plain(v)) for v in values]
    if positive is not None:
        if positive not in words:
            raise CsvError(f"{path}: --positive {positive!r} is not one of the labels ({shown})")
        return (np.asarray([str(_plain(v)) for v in labels]) == positive if labels.dtype.kind in "US"
                else labels == float(positive)).astype(np.float64), f" ({positive!r} taken as 1)"
    if labels.dtype.kind == "f":
        if np.isnan(values).any():
            raise _bad_line(path, columns, label_nan=True)
        if set(values.tolist()) == {0.0, 1.0}:
            return labels, ""
        raise CsvError(f"{path}: labels must be 0 and 1, found {shown}: say which is 1 with --positive VALUE")
    mapped = [TRUE_WORDS.get(word.lower()) for word in words]
    if None in mapped or mapped[0] == mapped[1]:
        raise CsvError(f"{path}: labels are words ({shown}): say which class is 1 with --positive VALUE")
    one = words[mapped.index(1.0)]
    lookup = dict(zip(values.tolist(), mapped, strict=True))
    return np.fromiter((lookup[v] for v in labels.tolist()), np.float64, len(labels)), f" ({one!r} taken as 1)"


def _plain(value: object) -> object:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value


def _bad_line(path: Path, columns: Columns, label_nan: bool = False) -> CsvError:
    """What is wrong with the file's first bad line (there is one: the caller found it)."""
    return _first_bad_line(path, columns, label_nan=label_nan) or CsvError(f"{path}: cannot be read as rows of numbers")


def _first_bad_line(path: Path, columns: Columns, only_width: bool = False, label_nan: bool = False) -> CsvError | None:
    """One pass of the csv module over the file: what is wrong with its first bad line (only_width: None when
    every row has the same number of cells)."""
    try:
        return _first_bad_row(path, columns, only_width, label_nan)
    except UnicodeDecodeError as error:  # the text's encoding changes after the sample (or UTF-16 ends mid-character)
        name = "UTF-8" if columns.encoding == "utf-8-sig" else columns.encoding.upper()
        return CsvError(f"{path}: not {name} text throughout ({error.reason}): save it in one encoding")


def _bad_cell(path: Path, number: int, cell: str, columns: Columns) -> CsvError | None:
    """What is wrong with one x cell on line `number`, or None."""
    value = columns.number(cell)
    if value is None:
        if THOUSANDS.match(cell):
            return CsvError(f"{path}:{number}: {cell!r} has a thousands separator; save the numbers "
                            "without it (or with ; between columns and . for decimals)")
        return CsvError(f"{path}:{number}: not a number: {cell!r}")
    if not math.isfinite(value):
        return CsvError(f"{path}:{number}: x must be finite, got {cell!r}")
    if abs(value) > FLOAT32_MAX:
        return CsvError(f"{path}:{number}: x {cell} is past float32's {FLOAT32_MAX:.3g}; rescale the column")
    return None


def _first_bad_row(path: Path, columns: Columns, only_width: bool, label_nan: bool) -> CsvError | None:
    with open(path, encoding=columns.encoding, newline="") as file:
        lines = (line for line in file)
        number = 0
        for number, row in enumerate(csv.reader(lines, delimiter=columns.separator), start=1):
            if (number == 1 and columns.header) or not any(cell.strip() for cell in row):
                continue
            if len(row) != columns.count:
                return CsvError(f"{path}:{number}: expected {columns.count} columns, found {len(row)}")
            if only_width:
                continue
            if label_nan and math.isnan(columns.number(row[columns.label].strip()) or 0.0):
                return CsvError(f"{path}:{number}: label must be 0 or 1, got {row[columns.label].strip()!r}")
            for column in columns.xs:
                if problem := _bad_cell(path, number, row[column].strip(), columns):
                    return problem
    return None if only_width else CsvError(f"{path}: cannot be read as rows of numbers")
