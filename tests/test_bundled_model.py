"""The bundled default weights of lstm-graves: shipped, safe to load, the full network, and used
by ``write`` when no --weights is given."""
from __future__ import annotations

import json

import pytest
import torch

from writesmooth_lstm_graves.models import LstmGraves

LIMIT = 16 * 2**20


@pytest.fixture(scope="module")
def bundled():
    path = LstmGraves.default_weights()
    assert path is not None, "the lstm-graves distribution ships no default weights"
    return path


def test_bundled_weights_are_small_safe_and_full_size(bundled):
    assert bundled.stat().st_size <= LIMIT
    data = torch.load(bundled, map_location="cpu", weights_only=True)  # no pickle
    cfg = data["config"]
    assert (cfg["hidden"], cfg["layers"], cfg["window"], cfg["mixtures"]) == (400, 3, 10, 20)
    assert all(t.dtype == torch.float16 for t in data["state_dict"].values()
               if t.is_floating_point())
    assert len(data["alphabet"]) > 60 and set("0123456789.,'") <= set(data["alphabet"])
    assert set(data["norm"]) == {"mean", "std"}
    assert "optimizer" not in data  # inference weights only, no resume state


def test_models_lists_bundled_weights(bundled, run_cli):
    res = run_cli("models", "--json")
    rows = {r["name"]: r for r in json.loads(res.out)}
    assert rows["lstm-graves"]["bundled_weights"] is True
    assert rows["lstm-graves-uncond"]["bundled_weights"] is False
    assert rows["lstm-graves-reader"]["bundled_weights"] is True


def test_the_bundled_reader_is_small_safe_and_loaded_with_the_model(bundled):
    from writesmooth_lstm_graves.models import LstmGravesReader
    from writesmooth_lstm_graves.reader import FORMAT

    path = LstmGravesReader.default_weights()
    assert path is not None and path.parent == bundled.parent
    assert bundled.stat().st_size + path.stat().st_size <= LIMIT
    data = torch.load(path, map_location="cpu", weights_only=True)
    assert data["format"] == FORMAT and "optimizer" not in data
    assert len(data["members"]) == 2  # two readers trained apart, read as one
    assert all(t.dtype == torch.float16 for member in data["members"] for t in member.values()
               if t.is_floating_point())
    reader = LstmGraves.load().bundle.reader
    assert reader is not None and reader.alphabet.chars == LstmGraves.load().bundle.alphabet.chars


def test_the_bundled_reader_reads_what_the_bundled_model_wrote(bundled):
    """Whole lines written once for a text are far likelier to say that text than another
    one, and the reader's reading of them is close to the text."""
    from writesmooth_lstm_graves import reader as rd
    from writesmooth_lstm_graves.models import SearchOptions
    from writesmooth_lstm_graves.reader import edit_distance

    model = LstmGraves.load()
    a, b = "hello world", "quiet lamps"
    inks = model.write([a, a, b, b], seed=0, options=SearchOptions(candidates=1, search="lines"))
    own = rd.read(model.bundle.reader, inks)
    swapped = rd.read(model.bundle.reader, inks, texts=[b, b, a, a])
    assert all(o["nll"] + 1.0 < s["nll"] for o, s in zip(own, swapped)), (own, swapped)
    assert sum(edit_distance(o["read"], ink.text) for o, ink in zip(own, inks)) <= 12, own


def test_the_bundled_model_writes_word_by_word_and_the_reader_reads_the_words(bundled):
    """The default with the bundled reader: each of the nine words drawn on from the last,
    the kept drawings read as their words (all but at most two), nothing cut or stalled."""
    (ink,) = LstmGraves.load().write(["The quick brown fox jumps over the lazy dog"], seed=1)
    words = ink.meta["words"]
    assert ink.meta["search"] == "words" and ink.meta["candidates"] == 16 and len(words) == 9
    right = sum(w["read"] == text for w, text in zip(words, ink.text.split()))
    assert right >= 7, words
    assert not ink.meta["hit_cap"] and not ink.meta["stalled"]
    assert ink.meta["read_nll"] < 0.5, ink.meta


def test_write_uses_bundled_weights(bundled, run_cli, tmp_path):
    out = tmp_path / "hello.json"
    res = run_cli("write", "Hello", "--seed", "3", "-o", out)
    assert res.code == 0, res.err
    from writesmooth.data.io import read_inks

    (ink,) = read_inks(out)
    assert ink.text == "Hello" and ink.n_points > 20


def test_default_bias_is_the_interfaces(bundled):
    """The commands and the model's own write() sample at writesmooth.api.DEFAULT_BIAS (1.0,
    chosen by a blind reading: docs/writing.md, "The bias")."""
    from writesmooth.api import DEFAULT_BIAS
    from writesmooth.cli.common import BIAS

    assert BIAS.default == DEFAULT_BIAS == 1.0
    (ink,) = LstmGraves.load().write(["Hi"], seed=1)
    assert ink.meta["bias"] == DEFAULT_BIAS


def test_model_card_figure_is_what_evaluate_prints(bundled, shared_iam, run_cli):
    """`evaluate --split testset_v` with the bundled weights prints the model card's
    figure (the card's table row "| bundled weights ... | nats/sequence | nats/point |")."""
    import re
    from pathlib import Path

    card = (Path(__file__).resolve().parents[1] / "docs" / "model-card.md").read_text()
    row = re.search(r"^\| bundled weights[^|]*\| ([−-][\d.]+) \| ([−-][\d.]+) \|", card, re.M)
    assert row, "docs/model-card.md has no '| bundled weights ... |' row"
    per_seq, per_point = (float(v.replace("−", "-")) for v in row.groups())
    res = run_cli("evaluate", "--data", shared_iam, "--split", "testset_v", "--json")
    assert res.code == 0, res.err
    figures = json.loads(res.out)
    assert figures["lines"] == 1438
    assert figures["nats_per_sequence"] == pytest.approx(per_seq, abs=0.05)
    assert figures["nats_per_point"] == pytest.approx(per_point, abs=0.0005)


def test_model_card_reader_figure_is_what_evaluate_prints(bundled, shared_iam, run_cli):
    """The model card's row "| bundled reader ... | CER | nats/char |" is what `evaluate
    --model lstm-graves-reader --split testset_v` prints."""
    import re
    from pathlib import Path

    card = (Path(__file__).resolve().parents[1] / "docs" / "model-card.md").read_text()
    row = re.search(r"^\| bundled reader[^|]*\| ([\d.]+) \| ([\d.]+) \|", card, re.M)
    assert row, "docs/model-card.md has no '| bundled reader ... |' row"
    cer, per_char = (float(v) for v in row.groups())
    res = run_cli("evaluate", "--model", "lstm-graves-reader", "--data", shared_iam,
                  "--split", "testset_v", "--json")
    assert res.code == 0, res.err
    figures = json.loads(res.out)
    assert figures["lines"] == 1438 and figures["skipped"] == 0
    assert figures["cer"] == pytest.approx(cer, abs=0.0005)
    assert figures["nats_per_char"] == pytest.approx(per_char, abs=0.005)
