"""Letter emphasis (``--letter-weight``): which points get a weight, and that the weight reaches
the loss. The network is a stand-in whose attention window is set by the test."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from writesmooth import Ink  # noqa: E402
from writesmooth_lstm_graves import emphasis  # noqa: E402
from writesmooth_lstm_graves.alphabet import Alphabet  # noqa: E402
from writesmooth_lstm_graves.batching import Example, collate  # noqa: E402
from writesmooth_lstm_graves.mdn import sequence_nll, step_nll  # noqa: E402


class SetWindow(torch.nn.Module):
    """Reads text position ``t // per`` at point ``t`` (capped at the slot past the end)."""

    def __init__(self, per: int) -> None:
        super().__init__()
        self.per = per
        self.p = torch.nn.Parameter(torch.zeros(1))  # gives the module a device

    def forward(self, x, chars, char_mask, keep_phi=False):
        steps, width = x.shape[0], chars.shape[1]
        phi = torch.zeros(steps, x.shape[1], width)
        phi[torch.arange(steps), :, (torch.arange(steps) // self.per).clamp(max=width - 1)] = 1.0
        return None, None, None, {"phi": phi}


def example(text: str, points: int) -> Example:
    alphabet = Alphabet("abx ")
    off = np.zeros((points, 3), np.float32)
    return Example(off, alphabet.encode(text), Ink(strokes=[np.zeros((2, 2))], text=text))


def test_the_points_the_window_reads_as_the_letter_are_weighted():
    lines = [example("axbx", 14), example("ab", 8), example("xa", 9)]
    found = emphasis.find_points(SetWindow(per=3), lines, {"x": 4.0})
    got = sorted(zip(found["line"].tolist(), found["point"].tolist()))
    # "axbx": positions 1 and 3 are x, read at points 3-5 and 9-11 (12-13 read the end slot);
    # "ab" holds no x and is not looked at; "xa": position 0, points 0-2
    assert got == [(0, 3), (0, 4), (0, 5), (0, 9), (0, 10), (0, 11), (2, 0), (2, 1), (2, 2)]
    assert found["weight"].tolist() == [4.0] * 9

    emphasis.apply(lines, found)
    assert lines[1].weights is None
    assert lines[0].weights.tolist() == [1, 1, 1, 4, 4, 4, 1, 1, 1, 4, 4, 4, 1, 1]
    batch = collate(lines)
    assert batch.mask[:14, 0].tolist() == lines[0].weights.tolist()
    assert batch.mask[:, 1].tolist() == [1.0] * 8 + [0.0] * 6  # unweighted, then padding
    assert "9 points in 2 lines" in emphasis.describe({"x": 4.0}, found)


def test_two_letters_keep_their_own_weights():
    found = emphasis.find_points(SetWindow(per=2), [example("abx", 6)], {"x": 3.0, "a": 2.0})
    assert dict(zip(found["point"].tolist(), found["weight"].tolist())) == \
        {0: 2.0, 1: 2.0, 4: 3.0, 5: 3.0}


def test_weighted_mask_weights_each_points_loss():
    torch.manual_seed(0)
    params = torch.randn(5, 2, 1 + 6 * 3)
    targets = torch.randn(5, 2, 3)
    targets[..., 2] = (targets[..., 2] > 0).float()
    weights = torch.tensor([[1.0, 1.0], [4.0, 1.0], [4.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    per_point = step_nll(params, targets, 3)
    assert torch.allclose(sequence_nll(params, targets, weights, 3),
                          (per_point * weights).sum(0))


def test_a_letter_outside_the_alphabet_is_one_clear_error():
    from writesmooth import WritesmoothError

    with pytest.raises(WritesmoothError, match="not in the model's alphabet"):
        emphasis.check_letters({"Q": 2.0}, Alphabet("abx "))
