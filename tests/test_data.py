import numpy as np
import pytest

from logreg_tui.core.model.data import DataError, load_csv, make_tutorial_data


def tutorial_arrays():
    """The tutorial's own cell, global RNG and all (state restored afterwards)."""
    state = np.random.get_state()
    try:
        np.random.seed(42)
        train_X = np.random.randn(1000)
        train_X[:500] = train_X[:500] + 4
        train_y = np.array([1] * 500 + [0] * 500)
        ids = np.arange(1000)
        np.random.shuffle(ids)
        return train_X[ids], train_y[ids]
    finally:
        np.random.set_state(state)


def test_seed_42_is_the_tutorials_data_exactly():
    x, y = tutorial_arrays()
    data = make_tutorial_data(42, 1000, 4.0)
    assert data.x.dtype == np.float32 and data.y.dtype == np.float32
    np.testing.assert_array_equal(data.x, x.astype(np.float32))
    np.testing.assert_array_equal(data.y, y.astype(np.float32))
    assert data.seed == 42 and data.n_points == 1000


def test_data_never_touches_the_global_rng():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    make_tutorial_data(3, 50, 2.0)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_odd_sizes_split_like_the_recipe_and_arrays_are_read_only():
    data = make_tutorial_data(1, 7, 1.0)
    assert data.y.sum() == 3 and data.n_points == 7
    with pytest.raises(ValueError):
        data.x[0] = 1.0


def test_reseed_changes_the_data_but_keeps_size_and_gap():
    data = make_tutorial_data(42, 100, 3.0)
    other = data.reseeded(43)
    assert other.seed == 43 and other.n_points == 100 and other.gap == 3.0
    assert not np.array_equal(data.x, other.x)


@pytest.mark.parametrize("text", ["x,label\n1.5,1\n-2,0\n", "1.5,1\n-2,0\n", "\ufeffx,y\r\n1.5,1\r\n-2,0\r\n\r\n"])
def test_csv_with_or_without_header(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    data = load_csv(path)
    np.testing.assert_array_equal(data.x, [1.5, -2.0])
    np.testing.assert_array_equal(data.y, [1.0, 0.0])
    assert data.seed is None
    with pytest.raises(DataError, match="cannot be reseeded"):
        data.reseeded(1)


BAD_CSV = [
    ("empty", b"", r"no data rows"),
    ("header only", b"x,label\n", r"no data rows"),
    ("non-numeric", b"1,0\nabc,1\n", r":2: not a number"),
    ("label 2", b"1,0\n2,2\n", r"labels must be 0 and 1, found 0, 2: say which is 1 with --positive"),
    ("NaN x", b"1,0\nnan,1\n", r":2: x must be finite"),
    ("inf x", b"1,0\ninf,1\n", r":2: x must be finite"),
    ("NaN label", b"1,0\n2,nan\n", r":2: label must be 0 or 1"),
    ("one column", b"1\n2\n", r":1: expected 2 columns"),
    ("ragged", b"1,0\n2,1,5\n", r":2: expected 2 columns"),
    ("binary", b"\x89PNG\r\n\x1a\n\0\0\0", r"binary file"),
    ("single class", b"1,1\n2,1\n", r"only one class"),
    ("not utf-8", b"1,0\n\xff\xfe,1\n", r"not UTF-8"),
]


@pytest.mark.parametrize("name,content,message", BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_names_file_and_line(tmp_path, name, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as error:
        load_csv(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        load_csv(tmp_path)
