"""The shared LRU map behind the encoding, query, mask and score caches."""

from __future__ import annotations

from crs.lru import LRU


def test_lru_evicts_least_recently_used_and_skips_none():
    c: LRU[int] = LRU(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # refreshes a
    c.put("c", 3)  # evicts b
    assert "b" not in c and c.keys() == {"a", "c"}
    assert c.get_or_put("d", lambda: None) is None and "d" not in c
    assert c.get_or_put("a", lambda: 99) == 1
    c.clear()
    assert len(c) == 0
