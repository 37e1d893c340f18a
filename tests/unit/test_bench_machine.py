"""How busy the machine was during ``slrt bench pipeline``'s throughput phase, from two ``/proc/stat`` readings."""

from __future__ import annotations

from slrt.bench.pipeline import machine_share, machine_ticks


def test_busy_is_all_but_idle_and_iowait_and_steal_is_the_host_s_share() -> None:
    #         user nice system idle iowait irq softirq steal guest guest_nice
    before = [100, 0, 50, 1000, 10, 0, 5, 2, 0, 0]
    after = [400, 0, 150, 1500, 30, 0, 25, 62, 0, 0]  # 1,000 ticks: 480 busy (60 of them stolen), 520 idle or waiting
    assert machine_share(before, after) == {"busy": 48.0, "steal": 6.0}


def test_this_machine_s_ticks_are_read() -> None:
    ticks = machine_ticks()
    assert len(ticks) >= 8 and sum(ticks) > 0
