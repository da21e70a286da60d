"""The DQN trainer's replay memory: fixed-size arrays of encoded observations and transitions."""

from __future__ import annotations

import numpy as np

from crs.policy.features import ACTION_DIM, GLOBAL_DIM

Obs = dict[str, np.ndarray]  # encoded features (`crs.policy.features.encode`)
Batch = tuple[Obs, np.ndarray, np.ndarray, Obs, np.ndarray, np.ndarray]  # obs, action, reward, next, done, return


class ReplayBuffer:
    """A ring buffer of `size` transitions over `j` action slots and `k` recommended items."""

    def __init__(self, size: int, j: int, k: int, seed: int) -> None:
        self.size, self.n, self.pos = size, 0, 0
        self.rng = np.random.default_rng(seed)
        shapes = {"global": ((GLOBAL_DIM,), np.float32), "actions": ((j, ACTION_DIM), np.float32),
                  "units": ((j,), np.int64), "items": ((k,), np.int64), "mask": ((j,), np.int8)}
        self.obs = {key: np.zeros((size, *s), dt) for key, (s, dt) in shapes.items()}
        self.next = {key: np.zeros((size, *s), dt) for key, (s, dt) in shapes.items()}
        self.action = np.zeros(size, np.int64)
        self.reward = np.zeros(size, np.float32)
        self.done = np.zeros(size, np.float32)
        self.ret = np.zeros(size, np.float32)
        """Discounted return from the transition to the end of its episode (demonstrations only)."""

    def add(self, obs: Obs, action: int, reward: float, nxt: Obs, done: bool, ret: float = 0.0) -> None:
        for key in self.obs:
            self.obs[key][self.pos] = obs[key]
            self.next[key][self.pos] = nxt[key]
        self.action[self.pos], self.reward[self.pos], self.done[self.pos] = action, reward, done
        self.ret[self.pos] = ret
        self.pos = (self.pos + 1) % self.size
        self.n = min(self.n + 1, self.size)

    def sample(self, b: int) -> Batch:
        i = self.rng.integers(0, self.n, b)
        return ({k: v[i] for k, v in self.obs.items()}, self.action[i], self.reward[i],
                {k: v[i] for k, v in self.next.items()}, self.done[i], self.ret[i])
