import json
import os

import pytest
from conftest import TUTORIAL_FINAL, TUTORIAL_LINES


@pytest.mark.parametrize("args", [(), ("--autograd", "custom"), ("--autograd", "tutorial", "--lr", "0.0002")])
def test_headless_prints_the_tutorial(cli, args):
    result = cli("--headless", "--epochs", "1001", "--lr", "0.2", "--seed", "42", "--log-every", "100", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == TUTORIAL_LINES + [TUTORIAL_FINAL]


def test_the_tutorials_table_holds_on_the_machines_own_kernels_too(cli):
    """The suite runs torch's portable kernels (conftest); a user gets the vectorized ones for their CPU."""
    native = {name: value for name, value in os.environ.items() if name != "ATEN_CPU_CAPABILITY"}
    result = cli("--headless", "--epochs", "1001", "--log-every", "100", env=native)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == TUTORIAL_LINES + [TUTORIAL_FINAL]


def test_headless_json(cli):
    result = cli("--headless", "--json", "--epochs", "300")
    summary = json.loads(result.stdout)
    assert summary["epochs"] == 300 and summary["config"]["lr"] == 0.2
    assert summary["history"]["epoch"] == list(range(300))
    assert summary["history"]["loss"][0] == pytest.approx(0.693147, abs=1e-6)
    assert 0.9 < summary["accuracy"] <= 1 and summary["epochs_per_second"] > 0


def test_gradcheck_passes_custom_and_fails_tutorial_by_n(cli):
    result = cli("--gradcheck")
    assert result.returncode == 0
    custom, tutorial = result.stdout.splitlines()
    assert custom.startswith("custom    PASS")
    assert tutorial.startswith("tutorial  FAIL") and "10x torch's" in tutorial


def test_headless_divergence_exits_3_with_one_line(cli):
    result = cli("--headless", "--autograd", "tutorial", "--lr", "1000")
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "diverged at epoch 1 with lr 1000" in result.stderr


BAD_OPTIONS = [
    ("--lr", "0"), ("--lr", "-1"), ("--lr", "nan"), ("--lr", "inf"), ("--lr", "abc"),
    ("--epochs", "-1"), ("--epochs", "2.5"), ("--epochs", "x"),
    ("--log-every", "0"), ("--seed", "1.5"), ("--seed", "-3"), ("--n-points", "1"), ("--n-points", "1e9"),
    ("--gap", "nan"), ("--gap", "inf"), ("--autograd", "magic"), ("--speed", "0"), ("--speed", "fast"),
    ("--fps", "0"), ("--fps", "1000"), ("--device", "tpu"), ("--device", "cuda"), ("--device", "cuda:7"),
    # values finite in float64 that float32 cannot hold, and limits every way of setting them shares
    ("--lr", "1e39"), ("--lr", "1e308"), ("--lr", "1e-9"), ("--lr", "5000"), ("--gap", "3.5e38"), ("--gap", "1e39"),
    ("--gap", "-1e300"), ("--speed", "1e-10"), ("--speed", "0.1"), ("--epochs", "1e18"), ("--seed", "4294967296"),
    ("--momentum", "1"), ("--val-frac", "1"),
]


@pytest.mark.parametrize("option,value", BAD_OPTIONS, ids=[f"{o}={v}" for o, v in BAD_OPTIONS])
@pytest.mark.parametrize("mode", ["--headless", "--paused"])
def test_bad_options_exit_2_with_one_line_naming_the_option(cli, option, value, mode):
    result = cli(mode, f"{option}={value}")
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1, result.stderr
    assert option in result.stderr and "Traceback" not in result.stderr


def test_unknown_option_is_one_line(cli):
    result = cli("--frobnicate")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--frobnicate" in result.stderr


@pytest.mark.parametrize("content", [b"", b"x,y\n", b"1,0\nabc,1\n", b"1,3\n", b"1,1\n2,1\n", b"\0\0"])
def test_bad_csv_exits_2_with_one_line(cli, tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    for mode in ("--headless", "--paused"):
        result = cli(mode, "--data", str(path))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and str(path) in result.stderr


def test_good_csv_trains_headless(cli, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text("x,label\n" + "".join(f"{x},{int(x > 0)}\n" for x in (-3, -2, -1, -0.5, 0.5, 1, 2, 3)))
    result = cli("--headless", "--data", str(path), "--epochs", "200", "--log-every", "100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and lines[-1].startswith("w: ")
    assert float(lines[1].split()[-1]) < float(lines[0].split()[-1])


def test_version_and_help(cli):
    assert cli("--version").stdout.startswith("logreg-tui ")
    help_text = cli("--help").stdout
    for option in ("--seed", "--n-points", "--gap", "--data", "--lr", "--epochs", "--autograd", "--device",
                   "--speed", "--fps", "--paused", "--headless", "--log-every", "--json", "--gradcheck"):
        assert option in help_text
