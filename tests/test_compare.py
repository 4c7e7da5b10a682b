"""``writesmooth compare``: every model in one run; missing capabilities and failures stay in
their own rows. Uses small models registered inside the test (no torch needed)."""
from __future__ import annotations

import json
import types

import numpy as np
import pytest

import writesmooth


class LineWriter(writesmooth.Model):
    """Writes a zig-zag whose length follows the text; 'evaluates' to a known figure."""

    name = "test-writer"
    capabilities = frozenset({"write", "evaluate"})

    def parameter_count(self):
        return 42

    def write(self, texts, *, bias=0.75, seed=None, style=None):
        inks = []
        for text in texts:
            xs = np.arange(len(text) * 2, dtype=np.float32) * 10
            ys = (np.arange(len(text) * 2) % 2).astype(np.float32) * 20
            inks.append(writesmooth.Ink(strokes=[np.stack([xs, ys], 1)], text=text))
        return inks

    def evaluate(self, inks):
        points = sum(i.n_points for i in inks)
        return {"nats_per_sequence": -float(points) / len(inks), "nats_per_point": -1.0,
                "lines": len(inks), "points": points}


class Broken(writesmooth.Model):
    name = "test-broken"
    capabilities = frozenset({"write"})

    @classmethod
    def load(cls, weights=None, *, device="cpu"):
        raise writesmooth.WritesmoothError("weights are corrupt")


class EvalOnly(LineWriter):
    name = "test-eval-only"
    capabilities = frozenset({"evaluate"})


@pytest.fixture
def models(register_plugin):
    plugin = types.SimpleNamespace(register_models=writesmooth.hookimpl(
        lambda register: [register(c) for c in (LineWriter, Broken, EvalOnly)] and None))
    register_plugin(plugin, "compare-test-models")


def test_compare_rows_na_and_errors_do_not_stop_others(models, run_cli, tmp_path):
    out = tmp_path / "cmp.svg"
    res = run_cli("compare", "--models", "test-broken,gan-stub,test-writer,test-eval-only",
                  "--text", "hello", "-o", out, "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    rows = {r["model"]: r for r in data["models"]}
    assert list(rows) == ["test-broken", "gan-stub", "test-writer", "test-eval-only"]
    assert rows["test-broken"]["error"] == "weights are corrupt"
    assert "not implemented" in rows["gan-stub"]["error"]
    assert rows["gan-stub"]["not_available"] == ["evaluate", "write"]
    assert rows["test-writer"]["error"] is None
    assert rows["test-writer"]["parameters"] == 42
    assert rows["test-writer"]["write_seconds"] >= 0
    assert rows["test-eval-only"]["not_available"] == ["write"]
    # without --data there is no log-loss to report
    assert rows["test-writer"]["nats_per_sequence"] is None
    # one row per model that could write, labelled with its name
    svg = out.read_text()
    assert svg.count("<path") == 1 and "test-writer" in svg


def test_compare_table_shows_na(models, run_cli):
    res = run_cli("compare", "--models", "gan-stub,test-eval-only,test-writer", "--text", "hi")
    assert res.code == 0, res.err
    assert "n/a" in res.out and "not implemented" in res.out


def test_compare_with_data_evaluates(models, run_cli, tmp_path):
    lines = [{"id": f"x-{i:02d}", "text": "ab", "strokes": [[[0, 0], [1, i], [2, 0]]]}
             for i in range(3)]
    data = tmp_path / "lines.jsonl"
    data.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    pytest.importorskip("writesmooth.data.dataset")
    res = run_cli("compare", "--models", "test-writer,gan-stub", "--data", data, "--split", "all",
                  "--json", "--no-cache")
    if res.code == 2 and "split" in res.err:
        pytest.skip("this dataset location has no split named 'all'")
    assert res.code == 0, res.err
    row = json.loads(res.out)["models"][0]
    assert row["lines"] == 3 and row["points"] == 9 and row["nats_per_sequence"] == -3.0


def test_compare_unknown_model_and_bad_weights(models, run_cli):
    res = run_cli("compare", "--models", "nope")
    assert res.code == 2 and len(res.err_lines) == 1 and "unknown model 'nope'" in res.err
    res = run_cli("compare", "--models", "test-writer", "--weights", "other=x.pt")
    assert res.code == 2 and "not compared" in res.err
    res = run_cli("compare", "--models", "test-writer", "--weights", "garbage")
    assert res.code == 2 and "NAME=PATH" in res.err
