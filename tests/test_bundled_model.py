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
    """Lines written for a text are far likelier to say that text than another one, and the
    reader's reading of them is close to the text (seed 0, default bias)."""
    from writesmooth_lstm_graves import reader as rd
    from writesmooth_lstm_graves import sampler
    from writesmooth_lstm_graves.reader import edit_distance

    bundle = LstmGraves.load().bundle
    a, b = "hello world", "quiet lamps"
    inks = sampler.write_lines(bundle, [a, a, b, b], seed=0, redraws=0)
    own = rd.read(bundle.reader, inks)
    swapped = rd.read(bundle.reader, inks, texts=[b, b, a, a])
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


def test_the_bundled_model_draws_the_x_of_fox_crossed(bundled):
    """Seed 2 drew "fo" and a hook before the shape check (read as "fox" by the reader); now
    the word is drawn until its x crosses, and the reader reads the rest of it right."""
    from writesmooth_lstm_graves.shapes import reads_as

    (ink,) = LstmGraves.load().write(["The quick brown fox jumps over the lazy dog"], seed=2)
    fox = ink.meta["words"][3]
    assert fox["crossed"] and reads_as(fox["read"], "fox"), ink.meta["words"]
    assert all(w["crossed"] for w in ink.meta["words"])  # words without an x count as crossed


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
    from writesmooth.cli.write import BIAS

    assert BIAS.default == DEFAULT_BIAS == 1.0
    (ink,) = LstmGraves.load().write(["Hi"], seed=1)
    assert ink.meta["bias"] == DEFAULT_BIAS


def test_text_margin_prefers_strokes_written_for_the_text(bundled):
    """The score that picks the best of several candidates: strokes the trained network wrote
    for a text score far higher under that text than strokes it wrote for another text of the
    same length (the bundled weights, 3 lines of each text from each of 3 seeds: +115..+180 nats
    against -31..+28)."""
    import numpy as np

    from writesmooth_lstm_graves import sampler

    bundle = LstmGraves.load().bundle
    a, b = "hello world", "quiet lamps"
    rows = sampler.sample_batch(bundle, [a, a, b, b], bias=0.75,
                                generator=torch.Generator().manual_seed(0))
    margins = sampler.text_margins(bundle, [a] * 4, [o for o, _ in rows], None,
                                   np.random.default_rng(0))
    assert min(margins[:2]) > 40 > max(margins[2:])


def test_model_card_figure_is_what_evaluate_prints(bundled, shared_iam, run_cli):
    """Issue 6: `evaluate --split testset_v` with the bundled weights prints the model card's
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


def _script(name: str):
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "scripts" / name


def test_self_training_set_keeps_drawings_the_readers_read_as_their_text(bundled, tmp_path):
    """scripts/self_training_set.py on a small jsonl dataset: each distinct transcript the
    alphabet writes is drawn, the kept drawings (after the real lines with --mix) are marked
    synthetic and read by the bundled readers as their text; a text with a character outside
    the alphabet is not drawn; a bad split is one error line and exit code 2."""
    import subprocess
    import sys

    import numpy as np

    from writesmooth.data.io import read_inks, write_inks
    from writesmooth.ink import Ink
    from writesmooth_lstm_graves import reader as rd

    line = [np.array([[0, 0], [10, 20], [20, 0]], np.float32)]
    texts = ["the cat", "a dog", "the cat", "Zoo"]  # one repeated, one with Z (unknown)
    data = tmp_path / "lines.jsonl"
    write_inks([Ink(strokes=line, text=t, id=f"l{i}") for i, t in enumerate(texts)], data)
    out = tmp_path / "self.jsonl"
    done = subprocess.run([sys.executable, str(_script("self_training_set.py")), str(data),
                           "--split", "all", "-o", str(out), "--workers", "2", "--tries", "4",
                           "--mix"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "of 2 texts kept" in done.stdout and "after 4 real lines" in done.stdout
    inks = read_inks(out)
    assert [i.text for i in inks[:4]] == texts and not any("synthetic" in i.meta
                                                          for i in inks[:4])
    drawn = inks[4:]
    assert drawn and {i.text for i in drawn} <= {"the cat", "a dog"}
    assert len({i.text for i in drawn}) == len(drawn)  # a text is kept once
    assert all(i.meta["synthetic"] and 1 <= i.meta["try"] <= 4 for i in drawn)
    bundle = LstmGraves.load().bundle
    for ink, seen in zip(drawn, rd.read(bundle.reader, drawn)):
        assert ink.n_points > 10
        assert seen["read"].replace(" ", "") == ink.text.replace(" ", ""), (seen, ink.text)
    assert not list(tmp_path.glob("*.part*"))
    bad = subprocess.run([sys.executable, str(_script("self_training_set.py")), str(data),
                          "--split", "nosuch", "-o", str(tmp_path / "x.jsonl")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert "split" in bad.stderr and not (tmp_path / "x.jsonl").exists()


def test_x_rates_counts_drawings_of_a_word_consistently(bundled):
    """scripts/x_rates.py: per word, the drawings whose x is crossed, that read right, both,
    and the strict counterparts, each at most what it narrows; the same seed, the same counts;
    a word without an x is one error line and exit code 2."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run([sys.executable, str(_script("x_rates.py")), *args],
                              capture_output=True, text=True, timeout=300)

    args = ["-n", "6", "--text", "a fox ran", "--word", "fox", "--text", "six", "--word", "six"]
    first, again = run(*args), run(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    rows = {line.split()[0]: [int(v) for v in line.split()[1:6]]
            for line in first.stdout.splitlines()[1:]}
    assert set(rows) == {"fox", "six", "total"}
    for crossed, reads, both, strict, strict_reads in rows.values():
        assert both <= min(crossed, reads) and strict <= crossed
        assert strict_reads <= min(strict, both)
    assert rows["total"] == [a + b for a, b in zip(rows["fox"], rows["six"])]
    assert all(v <= 6 for v in rows["fox"] + rows["six"])
    bad = run("-n", "2", "--text", "a cat", "--word", "cat")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "with an x" in bad.stderr


def test_first_drawings_reads_one_drawing_of_each_writable_transcript(bundled, tmp_path):
    """scripts/first_drawings.py on a small jsonl dataset: the transcripts with a character
    outside the alphabet are left out, the figures are counts of the rest; a bad split is one
    error line and exit code 2."""
    import re
    import subprocess
    import sys

    import numpy as np

    from writesmooth.data.io import write_inks
    from writesmooth.ink import Ink

    line = [np.array([[0, 0], [10, 20], [20, 0]], np.float32)]
    data = tmp_path / "lines.jsonl"
    write_inks([Ink(strokes=line, text=t, id=f"l{i}")
                for i, t in enumerate(["the cat", "a dog ran", "Zoo"])], data)

    def run(*args):
        return subprocess.run([sys.executable, str(_script("first_drawings.py")), "--data",
                               str(data), *args], capture_output=True, text=True, timeout=300)

    done = run("--split", "all")
    assert done.returncode == 0, done.stderr
    got = re.search(r"^2 lines of all: read as their text (\d+), words read right (\d+) of 5, "
                    r"stalled or cut (\d+), median reader loss [\d.]+ nats", done.stdout, re.M)
    assert got, done.stdout
    right, words, cut = map(int, got.groups())
    assert right <= 2 and words <= 5 and cut <= 2 and (right == 0 or words >= 2)
    bad = run("--split", "nosuch")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
