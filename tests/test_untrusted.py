"""A file someone shares is untrusted input (issue 45): a replay is checked like a command line, and the exported
script never runs what it quotes. The hostile files are in tests/data/replay (their expected refusal in
expected.json); the script is fed hostile values directly, past every check, and read token by token."""

import io
import json
import tokenize
from dataclasses import replace
from pathlib import Path

import pytest
from warm_python import run_python

from logreg_tui.core.files.script import run_script
from logreg_tui.core.model.runs import Event
from logreg_tui.core.model.settings import Settings

HOSTILE = Path(__file__).parent / "data" / "replay"


def _run(cli, *args: str) -> tuple[int, str, str]:
    result = cli(*args)
    return result.returncode, result.stdout, result.stderr
EXPECTED = json.loads((HOSTILE / "expected.json").read_text())
PAYLOAD = "PWNED"  # in every hostile value: it must only ever appear inside a string literal or a comment
INJECTIONS = [f"x\nimport os; os.system('touch {PAYLOAD}')\n", f"x\r__import__('os').system('{PAYLOAD}')",
              f"x\u2028{PAYLOAD}()", f"x'''\n{PAYLOAD}()\n'''", f'x"""\n{PAYLOAD}()\n"""', f"x\\\n{PAYLOAD}()"]


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=sorted(EXPECTED))
def test_a_hostile_replay_gets_one_line_and_exit_2_and_runs_nothing(cli, name):
    code, out, err = _run(cli, "--headless", "--replay", str(HOSTILE / name))
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and EXPECTED[name] in err, err


def test_a_replay_of_a_fifo_and_of_dev_zero_is_refused_at_once(cli, tmp_path):
    import os

    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path):
        code, _, err = _run(cli, "--headless", "--replay", str(path))
        assert code == 2 and ("not a regular file" in err or "Is a directory" in err), err


def test_a_replay_names_its_data_file_before_reading_it(cli, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x,label\n1,0\n2,1\n3,0\n4,1\n")
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"format": 1, "command": ["--data", str(data)], "epochs": 2, "events": []}))
    code, out, err = _run(cli, "--headless", "--replay", str(run))
    assert code == 0, err
    assert err.splitlines()[0] == f"logreg-tui: replaying {run} with data from {data}"


def _code_tokens(text: str) -> list[str]:
    """The script's tokens that are code: not strings, not comments."""
    skip = (tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            getattr(tokenize, "FSTRING_MIDDLE", -1))
    return [token.string for token in tokenize.generate_tokens(io.StringIO(text).readline) if token.type not in skip]


def _hostile_script(injection: str, seeded: bool) -> str:
    config = {"seed": 42, "n_points": 60, "gap": 4.0, "class_balance": 0.5, "label_noise": 0.0} if seeded else {
        "seed": None, "data": f"data{injection}.csv", "x_column": injection, "label_column": injection,
        "positive": injection}
    start = replace(Settings(), autograd="file", optimizer="sgd")
    # every field that can hold words holds the injection; numbers are numbers (a float cannot carry code)
    events = (Event(1, "autograd", "file", injection), Event(2, "optimizer", "sgd", injection),
              Event(2, "lr", 0.2, float("nan")), Event(3, "function", injection, injection),
              Event(3, "move", (0.0, 0.0), (float("inf"), -0.0)), Event(4, "threshold", 0.5, 0.7, step=7),
              Event(4, "restore", None, Event(4, "autograd", injection, injection)))
    source = (Path(__file__).parent / "data" / "functions" / "correct.py").read_text()
    return run_script(config, start, events, 5, (0.0, 0.0), f"my{injection}loss.py", "Loss", False, 1,
                      function_source=source) + "\n" + run_script(
        config, replace(Settings(), autograd="file"), (), 5, (0.0, 0.0), "f.py", injection, False, 1, source)


@pytest.mark.parametrize("seeded", [True, False])
@pytest.mark.parametrize("injection", INJECTIONS, ids=range(len(INJECTIONS)))
def test_no_value_from_outside_becomes_code_in_the_exported_script(injection, seeded):
    text = _hostile_script(injection, seeded)
    compile(text, "script.py", "exec")  # it stays a valid Python file
    assert PAYLOAD in text and not [token for token in _code_tokens(text) if PAYLOAD in token]


def test_a_hostile_script_run_with_python_runs_nothing_it_quotes(tmp_path):
    text = _hostile_script(INJECTIONS[0].replace("touch ", f"touch {tmp_path}/"), seeded=True)
    script = tmp_path / "script.py"
    script.write_text(text)
    run_python(script, cwd=tmp_path)
    assert not list(tmp_path.glob(f"*{PAYLOAD}*"))


def _strict(text: str):
    """JSON as JSON.parse reads it: Infinity and NaN are errors."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_a_value_that_is_not_finite_is_null_with_what_it_was(cli, tmp_path):
    flat = tmp_path / "flat.csv"  # one x for every point: the Hessian's λ_min is 0, κ infinite
    flat.write_text("x,label\n1,0\n1,1\n1,0\n1,1\n")
    code, out, _ = _run(cli, "--headless", "--json", "--data", str(flat), "--epochs", "3")
    summary = _strict(out)
    assert code == 0 and summary["curvature"]["at_minimum"]["condition"] is None
    assert summary["non_finite"]["curvature.at_minimum.condition"] == "inf"
    export = tmp_path / "out"
    export.mkdir()
    code, _, err = _run(cli, "--headless", "--data", str(flat), "--epochs", "3", "--export", str(export))
    assert code == 0, err
    (written,) = export.glob("*.json")
    assert _strict(written.read_text())["non_finite"]["curvature.at_end.condition"] == "inf"


def test_the_headless_exports_json_says_the_runs_true_status(cli, tmp_path):
    export = tmp_path / "out"
    export.mkdir()
    code, _, _ = _run(cli, "--headless", "--epochs", "4", "--export", str(export))
    (written,) = export.glob("*.json")
    assert code == 0 and _strict(written.read_text())["status"] == "done"
    diverged = tmp_path / "diverged"
    diverged.mkdir()
    code, _, _ = _run(cli, "--headless", "--autograd", "tutorial", "--epochs", "4", "--export", str(diverged))
    (written,) = diverged.glob("*.json")
    assert code == 3 and _strict(written.read_text())["status"] == "diverged"


def test_init_random_exports_the_values_it_drew_and_replays_and_scripts_them(cli, tmp_path):
    code, out, err = _run(cli, "--headless", "--init", "random", "--epochs", "6", "--log-every", "3", "--export",
                              str(tmp_path))
    assert code == 0 and "Traceback" not in err, err
    (written,) = tmp_path.glob("*.json")
    summary = _strict(written.read_text())
    drawn = summary["config"]["init"]
    assert summary["config"]["init_random"] and len(drawn) == 2 and drawn != [0.0, 0.0]
    assert summary["command"][:2] == ["--init", f"{drawn[0]!r},{drawn[1]!r}"]
    code, replayed, _ = _run(cli, "--headless", "--replay", str(written), "--log-every", "3")
    assert code == 0 and replayed == out
    (script,) = tmp_path.glob("*-script.py")
    ran = run_python(script)
    assert ran.stdout.splitlines()[-1] == out.splitlines()[-1]
