"""On real IAM-OnDB lines (../shared): a small network's loss goes down within sixty
steps, and its validation figure is what evaluate reports."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from writesmooth import TrainOptions, TrainRun  # noqa: E402

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # a small network: a second thread only adds synchronisation
    yield
    torch.set_num_threads(before)


def test_the_loss_of_a_small_model_goes_down_on_real_lines(shared_iam, tmp_path):
    from writesmooth.data.dataset import load_dataset
    from writesmooth_lstm_graves.models import LstmGraves
    from writesmooth_lstm_graves.trainer import train_model

    ds = load_dataset(shared_iam)
    train, val = ds.select("trainset")[:96], ds.select("testset_v")[:8]
    opts = TrainOptions(out=tmp_path / "run", epochs=100, batch_size=16, lr=3e-3, device="cpu",
                        max_steps=60, overrides={"hidden": "32", "mixtures": "5", "window": "5"})
    run = TrainRun(model_name="lstm-graves", out=opts.out, options=opts)
    result = train_model("lstm-graves", 10, train, val, opts, run)
    losses = np.array(run.history.batch_loss)
    assert len(losses) == 60 and np.isfinite(losses).all()
    # about 2.4 -> 1.0 nats per point on this machine; a stuck trainer stays near the first value
    assert losses[-12:].mean() < losses[:12].mean() - 0.7, (losses[:12].mean(), losses[-12:].mean())
    figures = LstmGraves.load(result["weights"]).evaluate(val)
    assert figures["lines"] == 8 and math.isfinite(figures["nats_per_sequence"])
    assert figures["nats_per_sequence"] == pytest.approx(result["val_nats_per_sequence"], rel=1e-4)
