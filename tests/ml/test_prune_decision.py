"""prune-bench's ship rule (issue 27): a pruned network ships only when it is fast enough at
batch 16 and loses little enough PC on every list; either shortfall keeps the shipped one."""

import pytest

from ml.inference.dark_filters import SHIP_PC_LOSS, SHIP_SPEED_GAIN
from ml.prune_bench import decide


def accuracy(pruned_loss: float, fine_tuned_loss: float) -> dict:
    def arm(loss: float) -> dict:
        return {"scut": {"product": {"pc": 0.9291 - loss}}, "mebeauty": {"product": {"pc": 0.7495 - loss / 2}}}

    return {"shipped": arm(0.0), "pruned": arm(pruned_loss), "pruned_fine_tuned": arm(fine_tuned_loss)}


def speed(gain: float) -> dict:
    return {"network_speed_over_shipped": {"pruned": {"16": gain}}, "explain_speed_over_shipped": {"16": gain}}


def test_a_pruned_network_fast_enough_and_as_good_ships_the_plain_pruned_arm_first():
    decision = decide(accuracy(0.0, 0.0), speed(SHIP_SPEED_GAIN))
    assert decision["shipped"] and decision["arm"] == "pruned" and decision["reasons"] == []


def test_the_fine_tuned_arm_ships_where_only_it_keeps_the_pc():
    decision = decide(accuracy(SHIP_PC_LOSS * 2, SHIP_PC_LOSS / 2), speed(1.2))
    assert decision["arm"] == "pruned_fine_tuned"
    assert decision["reasons"] == [f"pruned loses {SHIP_PC_LOSS * 2:.4f} PC, over {SHIP_PC_LOSS}"]


@pytest.mark.parametrize(
    ("gain", "loss"), [(SHIP_SPEED_GAIN - 0.01, 0.0), (1.5, SHIP_PC_LOSS + 0.001), (0.92, SHIP_PC_LOSS + 0.001)]
)
def test_too_slow_or_too_lossy_keeps_the_shipped_network_and_says_why(gain, loss):
    decision = decide(accuracy(loss, loss), speed(gain))
    assert not decision["shipped"] and decision["arm"] is None
    assert len(decision["reasons"]) == (gain < SHIP_SPEED_GAIN) + 2 * (loss > SHIP_PC_LOSS)
    assert decision["speed_over_shipped_batch16"] == gain
