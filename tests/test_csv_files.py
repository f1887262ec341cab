"""CSV files as people have them (issue 24, points 5–8): tests/data/csv holds one file per case."""

import os
from pathlib import Path

import numpy as np
import pytest

from logreg_tui.core.model.data import DataError, load_csv

FILES = Path(__file__).parent / "data" / "csv"
X, Y = [1.5, -0.5, 2.5, 0.25], [1, 0, 1, 0]

# file, options (x column, label column, positive) → what is read and the one line that says how ("" = nothing
# was guessed: a comma-separated x,label file with 0/1 labels)
ACCEPTED = [
    ("excel-quoted-bom-crlf.csv", {}, [1.5456, -0.25, 3.5, 0.1], "", ),
    ("semicolon.csv", {}, X, "semicolon-separated; x = 'height', label = 'label'"),
    ("tab.tsv", {}, X, "tab-separated; x = 'x', label = 'label'"),
    ("excel-unicode-text.txt", {}, X, "tab-separated, utf-16; x = 'x', label = 'label'"),
    ("labels-true-false.csv", {}, X, "comma-separated; x = 'x', label = 'label' ('true' taken as 1)"),
    ("labels-True-False.csv", {}, X, "comma-separated; x = 'x', label = 'label' ('True' taken as 1)"),
    ("labels-yes-no.csv", {}, X, "comma-separated; x = 'x', label = 'passed' ('yes' taken as 1)"),
    ("labels-1.0-0.0.csv", {}, X, ""),
    ("three-columns-label-header.csv", {}, X, "comma-separated; x = 'hours', label = 'label'"),
    ("four-columns-target.csv", {}, X, "comma-separated; x = 'score', label = 'Target'"),
    ("three-numeric-columns.csv", {"x_column": "b"}, X, "comma-separated; x = 'b', label = 'label'"),
    ("three-numeric-columns.csv", {"x_column": "2", "label_column": "LABEL"}, X,
     "comma-separated; x = 'b', label = 'label'"),
    ("no-header-three-columns.csv", {"x_column": "2", "label_column": "3"}, X[:3],
     "comma-separated; x = column 2, label = column 3"),
    ("labels-two-words.csv", {"positive": "dog"}, X, "comma-separated; x = 'x', label = 'species' ('dog' taken as 1)"),
    ("labels-1-2.csv", {"positive": "2"}, X, "comma-separated; x = 'x', label = 'label' ('2' taken as 1)"),
]

REFUSED = [
    ("three-numeric-columns.csv", {}, "3 columns ('a', 'b', 'label'): say which is x with --x-column NAME|N"),
    ("no-header-three-columns.csv", {}, "3 columns (3 unnamed): say which is x with --x-column NAME|N and which is "
                                        "the label with --label-column NAME|N"),
    ("three-numeric-columns.csv", {"x_column": "height"}, "--x-column 'height' is not a column; there are 'a', 'b', "
                                                          "'label'"),
    ("thousands.csv", {}, ":2: '52,000.0' has a thousands separator"),
    ("labels-three-words.csv", {}, "labels must be two classes, found 3: 'bird', 'cat', 'dog'"),
    ("labels-two-words.csv", {}, "labels are words ('cat', 'dog'): say which class is 1 with --positive VALUE"),
    ("labels-two-words.csv", {"positive": "fish"}, "--positive 'fish' is not one of the labels ('cat', 'dog')"),
    ("labels-1-2.csv", {}, "labels must be 0 and 1, found 1, 2: say which is 1 with --positive VALUE"),
    ("ragged.csv", {}, ":3: expected 2 columns, found 3"),
]


@pytest.mark.parametrize("name,options,x,reading", ACCEPTED, ids=[f"{c[0]}{c[1] or ''}" for c in ACCEPTED])
def test_files_people_have_are_read_and_what_was_guessed_is_said(name, options, x, reading):
    data = load_csv(FILES / name, **options)
    np.testing.assert_allclose(data.x, np.float32(x))
    assert data.y.tolist() == Y[:len(x)] or name.startswith("excel-quoted")
    assert data.reading == (f"{name}: {reading}" if reading else "")


@pytest.mark.parametrize("name,options,message", REFUSED, ids=[f"{c[0]}{c[1] or ''}" for c in REFUSED])
def test_files_that_cannot_be_read_as_asked_get_one_line_that_points_the_right_way(name, options, message):
    with pytest.raises(DataError) as error:
        load_csv(FILES / name, **options)
    assert str(error.value).startswith(str(FILES / name)) and message in str(error.value), str(error.value)
    assert "\n" not in str(error.value)


def test_the_command_line_says_how_the_file_was_read_and_refuses_column_options_without_a_file(cli):
    result = cli("--headless", "--data", str(FILES / "labels-yes-no.csv"), "--epochs", "2")
    assert result.returncode == 0
    assert result.stderr == "logreg-tui: labels-yes-no.csv: comma-separated; x = 'x', label = 'passed' ('yes' taken as 1)\n"
    result = cli("--headless", "--x-column", "b")
    assert result.returncode == 2 and "--x-column needs --data" in result.stderr


def test_a_fifo_and_a_device_are_one_line_not_a_hang(tmp_path, cli):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = cli("--headless", "--data", str(path), timeout=20)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "not a regular file" in result.stderr


def test_a_file_over_the_row_limit_stops_at_the_first_row_past_it(tmp_path, monkeypatch):
    from logreg_tui.core.model import data

    path = tmp_path / "big.csv"
    path.write_text("x,label\n" + "".join(f"{k},{k % 2}\n" for k in range(1000)))
    monkeypatch.setattr(data, "MAX_POINTS", 999)
    with pytest.raises(DataError, match="more than 999 rows"):
        data.load_csv(path)


def test_a_semicolon_file_with_decimal_commas_is_read_and_said(tmp_path):
    from logreg_tui.core.files.csv_data import CsvError, read_table

    path = tmp_path / "europe.csv"
    path.write_text("Messwert;Klasse\n3,04;ja\n-1,5;nein\n2;ja\n0,25;nein\n1,5e-3;ja\n", encoding="utf-8")
    table = read_table(path, positive="ja")  # words as labels: the x column alone takes the decimal comma
    assert table.x.dtype == np.float32  # what trains, loaded as such
    assert table.x.tolist() == np.float32([3.04, -1.5, 2.0, 0.25, 0.0015]).tolist() and table.y.tolist() == [1, 0, 1, 0, 1]
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("3,04;1\n-1,5;0\n2;1\n", encoding="utf-8")
    plain = read_table(numbers)
    assert plain.x.tolist() == np.float32([3.04, -1.5, 2.0]).tolist() and plain.y.tolist() == [1.0, 0.0, 1.0]
    assert plain.reading.startswith("semicolon-separated, decimal comma; x = column 1")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("3,04;1\n-1.5;0\n2;1\n", encoding="utf-8")
    with pytest.raises(CsvError, match=r"mix a decimal comma \('3,04'\) and a decimal point \('-1.5'\)"):
        read_table(mixed)
    bad = tmp_path / "bad.csv"
    bad.write_text("3,04;1\n-1,5;0\nzwei;1\n", encoding="utf-8")
    with pytest.raises(CsvError, match=r"bad.csv:3: not a number: 'zwei'"):
        read_table(bad)
