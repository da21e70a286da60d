"""Multi-choice questions: several values of one attribute type offered in one question.

The multi-choice protocol of MCMIPL (WWW 2022) and SAPIENT (NAACL 2025) asks "which of these do
you like: A, B?" where A and B are values of one attribute *type* (two by default, MCMIPL's
`choice_num`), and the user picks every offered value that any of its target items has. The policy
is unchanged: it still scores `ask(name=value)` units; the question built from its choice offers
that value and the most informative other values of the same type (`offer`).

Types: where a catalog's schema gives several attributes, an attribute is a type. LastFM*'s
8,438 tags are one attribute and our copy of the data has no tag names or tag groups (MCMIPL
groups them into 42 coarse types from the original LastFM tag map, which is not in our data), so
`value_types` derives the types from the data: k-means over the tags' item-incidence profiles
(truncated SVD of the unit × item matrix, rows normalised). This differs from MCMIPL's types and is
stated beside every figure.
"""

from __future__ import annotations

import numpy as np

from crs.policy.belief import Belief
from crs.policy.space import AskSpace

N_TYPES = 42
"""Types derived per attribute with many values (MCMIPL's LastFM* has 42 coarse tag groups)."""
CHOICES = 2
"""Values offered per question (MCMIPL's default `choice_num`)."""


def value_types(space: AskSpace, n_types: int = N_TYPES, seed: int = 0, dims: int = 32) -> np.ndarray:
    """Type id of every unit of `space` (int64, length `n_units`).

    Units of different attributes never share a type. An attribute with at most `n_types` values is
    one type; one with more is split into `n_types` groups by k-means over the values' item profiles
    (deterministic for a seed)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD

    names = np.asarray([lab.partition("=")[0] for lab in space.labels])
    out = np.zeros(space.n_units, dtype=np.int64)
    next_id = 0
    for name in dict.fromkeys(names.tolist()):
        cols = np.flatnonzero(names == name)
        if cols.size <= n_types:
            out[cols] = next_id
            next_id += 1
            continue
        profile = space.columns[:, cols].T.tocsr().astype(np.float64)  # values × items
        k = max(2, min(dims, profile.shape[1] - 1, cols.size - 1))
        emb = TruncatedSVD(n_components=k, random_state=seed).fit_transform(profile)
        norm = np.linalg.norm(emb, axis=1, keepdims=True)
        emb = emb / np.where(norm > 0, norm, 1.0)
        labels = KMeans(n_clusters=n_types, n_init=4, random_state=seed).fit_predict(emb)
        out[cols] = next_id + labels
        next_id += n_types
    return out


def offer(belief: Belief, types: np.ndarray, unit: int, choices: int = CHOICES) -> list[int]:
    """The units one multi-choice question offers: `unit` (the policy's choice) first, then up to
    `choices - 1` other units of its type not asked yet, the most informative first (P(target has
    it) closest to one half under the belief; ties: the likelier)."""
    if choices <= 1:
        return [unit]
    local = belief.units
    same = (types[local] == types[unit]) & ~belief.asked_mask[local] & (local != unit)
    if not same.any():
        return [unit]
    prob, _freq = belief.unit_stats()
    cand = local[same]
    p = prob[same]
    order = [i for i in np.lexsort((-p, -(p * (1.0 - p)))) if p[i] > 0][:choices - 1]
    return [unit, *(int(cand[i]) for i in order)]
