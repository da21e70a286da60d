"""The workers' shared load table: the least loaded worker accepts, a dead worker's slot takes nothing,
and the table is shared with forked workers."""

from __future__ import annotations

import os

from ui.api.balance import FULL, Loads


def test_the_least_loaded_worker_accepts_and_ties_share() -> None:
    loads = Loads(3)
    assert len(loads) == 3
    for slot, load in enumerate((2, 1, 1)):
        loads.publish(slot, load)
    assert [loads.least_loaded(i) for i in range(3)] == [False, True, True]
    loads.publish(2, 0)
    assert [loads.least_loaded(i) for i in range(3)] == [False, False, True]
    loads.vacate(2)  # a dead worker: the survivors do not wait for it
    assert [loads.least_loaded(i) for i in range(3)] == [False, True, False]


def test_a_slot_without_a_worker_is_full_until_one_publishes() -> None:
    loads = Loads(2)
    assert loads.least_loaded(0) and loads.least_loaded(1)  # both FULL: a tie
    loads.publish(0, 5)
    assert loads.least_loaded(0) and not loads.least_loaded(1)
    assert FULL > 10_000


def test_loads_are_shared_with_a_forked_worker() -> None:
    loads = Loads(2)
    loads.publish(0, 3)
    pid = os.fork()
    if pid == 0:  # the "worker": publishes its load and leaves
        loads.publish(1, 1)
        os._exit(0)
    os.waitpid(pid, 0)
    assert loads.least_loaded(1) and not loads.least_loaded(0)
