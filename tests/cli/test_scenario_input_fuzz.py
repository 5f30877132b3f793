"""No scenario file ends ``law check`` in a traceback (issue 16): a malformed ``rules:`` (and
any other field of the wrong shape) is refused naming the file and the field, random bytes and
random trees are refused or run, and one bad file never stops the check of the others."""

from __future__ import annotations

import copy
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from duecourse.app.scenarios import ScenarioError, load_scenario, run_scenario
from duecourse.bootstrap import build_app
from duecourse.cli import app

GOOD = Path(str(resources.files("duecourse.law") / "scenarios" / "arr-2.yaml"))


def _with(tmp: Path, change: dict[str, Any], step: dict[str, Any] | None = None) -> Path:
    data = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    data.update(change)
    if step is not None:
        data["steps"][1].update(step)
    path = tmp / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "step", "field"), [
    ({"rules": 5}, None, "rules"),
    ({"rules": {"ARR-2": "yes"}}, None, "rules"),
    ({"rules": [["ARR-2"]]}, None, "rules"),
    ({"rules": "ARR-2"}, None, "rules"),
    ({"people": ["oksana"]}, None, "people"),
    ({"actors": {"o1": {"role": "officer", "clients": "oksana"}}}, None, "clients"),
    ({}, {"as": ["o1"]}, "as"),
    ({}, {"with": ["case", "oksana"]}, "with"),
    ({}, {"with": {"case": ["oksana"], "basis": "warrantless"}}, "with.case"),
    ({}, {"citing": "ARR-2"}, "citing"),
    ({}, {"do": ["record_arrest"]}, "do"),
    ({}, {"expect": ["refused"]}, "expect"),
])
def test_a_field_of_the_wrong_shape_is_named(tmp_path: Path, change: dict[str, Any],
                                             step: dict[str, Any] | None, field: str) -> None:
    with pytest.raises(ScenarioError) as e:
        load_scenario(str(_with(tmp_path, change, step)))
    assert e.value.field == field and "bad.yaml" in str(e.value)


def test_one_bad_file_does_not_stop_the_check_of_the_others(tmp_path: Path) -> None:
    _with(tmp_path, {"rules": 5})
    (tmp_path / "good.yaml").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bytes.yaml").write_bytes(b"title: \xff\xfe\x00 broken")
    res = CliRunner().invoke(app, ["law", "check", str(tmp_path)])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit | None)
    assert "1 passed, 2 failed" in res.output
    assert "PASS" in res.output and "field 'rules'" in res.output and "UTF-8" in res.output


# Values of every shape YAML can give a field.
LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
          | st.text(max_size=30) | st.dates() | st.just("\x00") | st.just("x" * 5000))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3),
                      max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


BASE = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
PATHS = _paths(BASE)[1:]


def _replaced(path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(BASE)
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return data


def _load_text(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.yaml"
        path.write_bytes(text)
        try:
            load_scenario(str(path))
        except ScenarioError as e:
            assert str(path) in str(e)
            return
        # valid: it runs, and at worst fails, never raises
        result = run_scenario(str(path), lambda: build_app("sqlite://", seed=0))
        assert result.path == str(path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES)
def test_any_field_replaced_by_anything_is_refused_or_run(path: tuple[Any, ...], value: Any
                                                          ) -> None:
    _load_text(yaml.safe_dump(_replaced(path, value), allow_unicode=True).encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8", "replace"))
       | st.sampled_from(["utf-16", "latin-1", "cp1252"]).map(
           lambda enc: GOOD.read_text(encoding="utf-8").encode(enc, "replace")))
def test_random_bytes_and_encodings_are_refused_or_run(raw: bytes) -> None:
    _load_text(raw)
