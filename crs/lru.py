"""One small thread-safe least-recently-used map, shared by the per-text and per-query caches
(sentence encodings, query vectors, constraint masks, content scores)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    """At most `size` entries; `get` refreshes an entry, `put` evicts the least recently used."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        self._d: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            hit = self._d.get(key)
            if hit is not None:
                self._d.move_to_end(key)
            return hit

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return value

    def get_or_put(self, key: Hashable, compute: Callable[[], V | None]) -> V | None:
        """The cached value, else `compute()` stored (a None result is returned, not stored)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        value = compute()
        return None if value is None else self.put(key, value)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._d

    def __len__(self) -> int:
        return len(self._d)

    def keys(self) -> set[Hashable]:
        with self._lock:
            return set(self._d)
