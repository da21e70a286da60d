"""Realism and diversity of simulated seeker utterances against real seeker messages.

`simulate_utterances` runs episodes of a simulator against a scripted system (a test harness that
asks, waits and recommends; it peeks at the session's target to produce some accepts, as real
dialogues end in accepted suggestions). `real_seeker_messages` takes the seeker messages of a
ReDial-format file with `@id` replaced by titles. `realism_report` compares the two samples:

- classifier two-sample test: logistic regression on sentence embeddings, cross-validated ROC AUC
  (0.5 = indistinguishable, 1.0 = always told apart);
- distinct-1/2 on equal-sized samples; act entropy (bits) and Jensen-Shannon divergence between
  act distributions (both sides labelled by the same heuristic classifier);
- 1-Wasserstein distance between length distributions (words).

The embedding function is injected (the CLI passes `crs.embed.shared_encoder().encode`), so this
module stays free of model code.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.catalog.dialogues import MENTION, Dialogue, Message
from crs.types import Action, Catalog
from simulators.errors import SimulatorError
from simulators.grammar import seeker_turns
from simulators.messages import UNITS, SplitRate, message_level, split_rate, to_messages
from simulators.natural import NaturalSimulator
from simulators.profile import ProfileSimulator
from simulators.surface import Vocabulary, attr_polarity, classify
from simulators.types import TurnLabels

if TYPE_CHECKING:
    from crs.protocols import LLM
    from simulators.latent import NaturalConfig

Encode = Callable[[Sequence[str]], np.ndarray]
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def simulate_utterances(sim: NaturalSimulator, n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` simulated user utterances as (text, act label, heuristic act)."""
    rng = random.Random(seed)
    ids = [it.id for it in sorted(sim.catalog.items, key=lambda it: -it.popularity)[:2000]]
    askable = [a for a in (sim.vocab.genre_attr, *sim.vocab.person_attrs) if a]
    out: list[tuple[str, str, str]] = []
    episode = 0
    while len(out) < n:
        turn, after_rec = sim.reset(seed=seed * 100_003 + episode), False
        episode += 1
        while True:
            out.append((turn.text, turn.act.name, _heuristic(sim.vocab, turn.text, turn.labels, after_rec)))
            if turn.done or len(out) >= n:
                break
            action = _scripted_action(rng, sim, ids, askable)
            after_rec = action.kind == "recommend"
            turn = sim.respond(action)
    return out


def _scripted_action(rng: random.Random, sim: NaturalSimulator, ids: list[str], askable: list[str]) -> Action:
    k = rng.random()
    if k < 0.2 and askable:
        return Action("ask", attribute=askable[0] if rng.random() < 0.8 else rng.choice(askable))
    if k < 0.7:
        target = sim.episode.latents.target
        items = (target,) if rng.random() < 0.3 else tuple(rng.sample(ids, rng.choice((1, 1, 2, 3))))
        return Action("recommend", items=items)
    return Action("wait")


HARNESSES = ("scripted", "replay")
_ASK_GENRE = re.compile(r"\b(genres?|kind|type|sort|style)\b", re.IGNORECASE)
_ASK_PERSON = re.compile(r"\b(actors?|actress(es)?|stars?|directors?|directed)\b", re.IGNORECASE)


def recommender_moves(d: Dialogue, catalog: Catalog, vocab: Vocabulary) -> list[Action]:
    """The human recommender's moves of `d` as system actions, one per seeker turn after the first
    (the recommender messages between two seeker turns make one move): `recommend` the films they
    name that the catalog has, else `ask` a genre or person question (a question with a genre or
    person cue), else `wait` (chit-chat, open questions, comments)."""
    moves: list[Action] = []
    block: list[Message] = []
    seen_seeker = False
    for m in d.messages:
        if m.role != "seeker":
            block.append(m)
            continue
        if seen_seeker and block:
            moves.append(_move(block, catalog, vocab))
        seen_seeker, block = True, []
    return moves


def _move(block: Sequence[Message], catalog: Catalog, vocab: Vocabulary) -> Action:
    items = tuple(dict.fromkeys(i for m in block for i in m.movies if i in catalog))
    if items:
        return Action("recommend", items=items)
    last = block[-1].text
    if "?" in last and vocab.person_attrs and _ASK_PERSON.search(last):
        return Action("ask", attribute=vocab.person_attrs[0])
    if "?" in last and vocab.genre_attr and _ASK_GENRE.search(last):
        return Action("ask", attribute=vocab.genre_attr)
    return Action("wait")


def replay_utterances(sim: ProfileSimulator, dialogues: Mapping[str, Dialogue], n: int,
                      seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` utterances of the profile user answering, turn by turn, the moves its own dialogue's human
    recommender made (`recommender_moves`): the system side is real, nothing peeks at a target."""
    out: list[tuple[str, str, str]] = []
    episode = 0
    while len(out) < n:
        turn = sim.reset(seed=seed * 100_003 + episode)
        episode += 1
        d = dialogues.get(sim.profile.conversation_id)
        moves = recommender_moves(d, sim.catalog, sim.vocab) if d is not None else []
        after_rec = False
        for action in [None, *moves]:
            if action is not None:
                if turn.done:
                    break
                turn = sim.respond(action)
                after_rec = action.kind == "recommend"
            out.append((turn.text, turn.act.name, _heuristic(sim.vocab, turn.text, turn.labels, after_rec)))
            if len(out) >= n:
                break
    return out


def _heuristic(vocab: Vocabulary, text: str, labels: TurnLabels, after_rec: bool) -> str:
    return classify(text, [p for _, p in labels.entities], len(labels.attributes), 1, after_rec)


def real_seeker_messages(dialogues: Sequence[Dialogue], vocab: Vocabulary | None,
                         catalog: Catalog | None = None) -> list[tuple[str, str]]:
    """(text with @ids replaced by titles, heuristic act) for every seeker message."""
    out = []
    for d in dialogues:
        for m, after_rec in seeker_turns(d):
            if not m.text.strip():
                continue
            text = _with_titles(m.text, d, catalog)
            pols = [_pol(d.seeker_labels.get(mid, {})) for mid in dict.fromkeys(m.movies)]
            spans = vocab.find(text) if vocab else []
            apol = attr_polarity(text, spans[0].start) if spans else 1
            act = classify(text, pols, len(spans), apol, after_rec)
            out.append((" ".join(text.split()), act))
    return out


def _with_titles(text: str, d: Dialogue, catalog: Catalog | None) -> str:
    """`text` with each `@id` mention replaced by the movie's title."""
    return MENTION.sub(lambda x: _title(x.group(1), d, catalog), text)


def _title(mid: str, d: Dialogue, catalog: Catalog | None) -> str:
    if catalog is not None and mid in catalog:
        return catalog.item(mid).display
    return " ".join(d.mentions.get(mid, "").split()) or f"@{mid}"


def _pol(q: Mapping[str, int]) -> int:
    return 1 if q.get("liked") == 1 else (-1 if q.get("liked") == 0 and q.get("seen") == 1 else 0)


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams / all n-grams over the sample (lower-cased word tokens)."""
    grams: Counter[tuple[str, ...]] = Counter()
    for t in texts:
        toks = _TOKEN.findall(t.lower())
        grams.update(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))
    total = sum(grams.values())
    return len(grams) / total if total else 0.0


def entropy(labels: Sequence[str]) -> float:
    c = Counter(labels)
    n = sum(c.values())
    return -sum(v / n * math.log2(v / n) for v in c.values()) if n else 0.0


def js_divergence(a: Sequence[str], b: Sequence[str]) -> float:
    """Jensen-Shannon divergence (bits, in [0, 1]) between two label distributions."""
    ca, cb = Counter(a), Counter(b)
    keys = set(ca) | set(cb)
    pa = np.array([ca[k] / max(1, len(a)) for k in keys])
    pb = np.array([cb[k] / max(1, len(b)) for k in keys])
    m = (pa + pb) / 2

    def kl(p: np.ndarray) -> float:
        mask = p > 0
        return float(np.sum(p[mask] * np.log2(p[mask] / m[mask])))

    return (kl(pa) + kl(pb)) / 2


def two_sample_auc(x_sim: np.ndarray, x_real: np.ndarray, seed: int = 0, folds: int = 5) -> tuple[float, float]:
    """Cross-validated ROC AUC (mean, std) of logistic regression telling simulated from real."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    x = np.vstack([x_sim, x_real])
    y = np.r_[np.ones(len(x_sim)), np.zeros(len(x_real))]
    aucs = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        clf = LogisticRegression(C=1.0, max_iter=2000).fit(x[tr], y[tr])
        aucs.append(roc_auc_score(y[te], clf.predict_proba(x[te])[:, 1]))
    return float(np.mean(aucs)), float(np.std(aucs))


def realism_report(sim: Sequence[tuple[str, str]], real: Sequence[tuple[str, str]], encode: Encode,
                   seed: int = 0) -> dict[str, Any]:
    """Compare (text, heuristic act) samples; both are cut to the same size first."""
    n = min(len(sim), len(real))
    if n < 20:
        raise SimulatorError(f"too few utterances to compare: {len(sim)} simulated, {len(real)} real (need 20)")
    rng = random.Random(seed)
    sim_s, real_s = rng.sample(list(sim), n), rng.sample(list(real), n)
    st, rt = [t for t, _ in sim_s], [t for t, _ in real_s]
    vecs = encode(st + rt)
    auc, auc_std = two_sample_auc(vecs[:n], vecs[n:], seed)
    from scipy.stats import wasserstein_distance

    ls, lr = [len(t.split()) for t in st], [len(t.split()) for t in rt]
    return {
        "auc": auc, "auc_std": auc_std, "n_per_side": n,
        "distinct_1": distinct_n(st, 1), "distinct_2": distinct_n(st, 2),
        "real_distinct_1": distinct_n(rt, 1), "real_distinct_2": distinct_n(rt, 2),
        "act_entropy": entropy([a for _, a in sim_s]), "real_act_entropy": entropy([a for _, a in real_s]),
        "act_js_divergence": js_divergence([a for _, a in sim_s], [a for _, a in real_s]),
        "length_wasserstein": float(wasserstein_distance(ls, lr)),
        "mean_length": float(np.mean(ls)), "real_mean_length": float(np.mean(lr)),
        "sim_acts": dict(Counter(a for _, a in sim_s).most_common()),
        "real_acts": dict(Counter(a for _, a in real_s).most_common()),
    }


SIMULATORS = ("natural", "replay")


def evaluate_realism(catalog: Catalog, dialogues_path: str | Path, encode: Encode, simulator: str = "natural",
                     n: int = 1000, seed: int = 0, data_dir: str | Path | None = None,
                     config: NaturalConfig | None = None, llm: LLM | None = None,
                     user_model: str = "oracle", harness: str = "scripted", units: str = "auto") -> dict[str, Any]:
    """`crs eval realism`: simulated (or, for `replay`, real train) seeker utterances vs the file's.

    Conversations of the evaluated file are excluded from the grammar and the goals, so a file
    that overlaps the train dialogues is never compared with its own messages. With
    `user_model="profile"` the target-free user speaks: its goals are the dev part of the ReDial
    train dialogues (minus the evaluated file), its grammar is mined from the rest. `harness`:
    `scripted` (random asks, waits and suggestions, some of them the target) or `replay` (the
    profile user only: the moves of its own dialogue's human recommender, `replay_utterances`).
    `units`: what one real and one simulated utterance is (`simulators.messages`): `messages` cuts
    each simulated turn into chat messages at the rate measured on message-level training
    dialogues, `turns` keeps it whole, `auto` follows the evaluated file (messages when it keeps
    them and training dialogues to measure the rate on exist, else turns, with a `units_note`).
    """
    from crs.catalog.dialogues import read_dialogues
    from crs.catalog.redial import DEFAULT_DIALOGUES
    from crs.config import data_dir as resolve
    from simulators.natural import build_natural, resolve_attributes

    if harness not in HARNESSES:
        raise SimulatorError(f"unknown harness {harness!r}; valid: {', '.join(HARNESSES)}")
    if harness == "replay" and (simulator, user_model) != ("natural", "profile"):
        raise SimulatorError("--harness replay needs --simulator natural --user-model profile (goals with dialogues)")
    if simulator not in SIMULATORS:
        raise SimulatorError(f"unknown simulator {simulator!r} for realism; valid: {', '.join(SIMULATORS)}")
    if n < 20:
        raise SimulatorError(f"--n must be at least 20, got {n}")
    df = read_dialogues(dialogues_path)
    if not df.dialogues:
        raise SimulatorError(f"{dialogues_path}: no ReDial-format dialogues ({len(df.bad_lines)} bad lines)")
    exclude = {d.conversation_id for d in df.dialogues}
    unit, rate, note = _units(units, df.dialogues, data_dir, exclude)
    goals: list[Dialogue] = []
    sim = build_natural(catalog, data_dir, config, seed, exclude, llm)
    if user_model == "profile" and simulator == "natural":
        from crs.catalog.dialogues import redial_train_dev
        from simulators.profile import build_profile
        from simulators.profile_config import ProfileConfig

        goals = [d for d in redial_train_dev(data_dir)[1] if d.conversation_id not in exclude]
        sim = build_profile(catalog, goals, ProfileConfig() if config is None else ProfileConfig(natural=config), seed, data_dir=data_dir,
                            exclude_ids=exclude, llm=llm)
    elif user_model not in ("oracle", "profile"):
        raise SimulatorError(f"unknown user model {user_model!r}; valid: oracle, profile")
    real = real_seeker_messages(df.dialogues, sim.vocab, catalog)
    extra: dict[str, Any] = {}
    if simulator == "natural":
        if harness == "replay" and isinstance(sim, ProfileSimulator):
            utts = replay_utterances(sim, {d.conversation_id: d for d in goals}, n, seed)
        else:
            utts = simulate_utterances(sim, n, seed)
        turns = len(utts)
        if rate is not None:
            utts = as_messages(utts, rate.rate, seed)
        per_turn = len(utts) / max(1, turns)
        utts = utts[:n]
        simulated = [(t, h) for t, _, h in utts]
        extra = {"act_entropy_labels": entropy([a for _, a, _ in utts]),
                 "grammar_source": sim.grammar.source, "grammar_templates": sim.grammar.size(),
                 "goals": len(sim.goals.goals), "paraphrases": dict(sim.paraphrase_stats),
                 "sim_messages_per_turn": per_turn}
    else:
        root = resolve(data_dir)
        files = [Path(root) / f for f in DEFAULT_DIALOGUES] if root else []
        train = [d for f in files if f.is_file() for d in read_dialogues(f).dialogues if d.conversation_id not in exclude]
        if not train:
            raise SimulatorError("replay baseline needs ReDial train dialogues not in the evaluated file")
        pool = real_seeker_messages(train, sim.vocab, catalog)
        simulated = random.Random(seed).sample(pool, min(n, len(pool)))
    report = realism_report(simulated, real, encode, seed)
    report.update(extra)
    report.update({"simulator": simulator, "user_model": user_model if simulator == "natural" else None,
                   "harness": harness if simulator == "natural" else None,
                   "dialogues": str(dialogues_path), "real_messages": len(real), "units": unit,
                   "split_rate": rate.rate if rate else None, "split_rate_dialogues": rate.dialogues if rate else 0,
                   "split_rate_messages_per_turn": rate.messages_per_turn if rate else None,
                   **({"units_note": note} if note else {}),
                   "attributes": list(resolve_attributes(catalog, sim.config)[:1])})
    return report


def as_messages(utts: Sequence[tuple[str, str, str]], rate: float, seed: int = 0) -> list[tuple[str, str, str]]:
    """Simulated turns (text, act, heuristic act) as chat messages (`simulators.messages.to_messages`);
    every message of a turn keeps the turn's acts."""
    rng = random.Random(seed * 7_919 + 1)
    return [(m, act, h) for t, act, h in utts for m in to_messages(t, rate, rng)]


def _units(units: str, evaluated: Sequence[Dialogue], data_dir: str | Path | None,
           exclude: set[str]) -> tuple[str, SplitRate | None, str]:
    """(unit, cut rate when the unit is messages, note): the rate comes from the seeker turns of the
    message-level training files' train part, never from the evaluated file's dialogues."""
    from crs.catalog.dialogues import read_dialogues, redial_train_dev
    from crs.catalog.redial import DEFAULT_DIALOGUES
    from crs.config import data_dir as resolve

    if units not in UNITS:
        raise SimulatorError(f"unknown units {units!r}; valid: {', '.join(UNITS)}")
    if units == "turns" or (units == "auto" and not message_level(evaluated)):
        return "turns", None, ""
    root = resolve(data_dir)
    train = {d.conversation_id for d in redial_train_dev(data_dir, required=False)[0]}
    pool: list[Dialogue] = []
    for f in [Path(root) / f for f in DEFAULT_DIALOGUES] if root else []:
        ds = read_dialogues(f).dialogues if f.is_file() else []
        if message_level(ds):
            pool += [d for d in ds if d.conversation_id in train and d.conversation_id not in exclude]
    if pool:
        return "messages", split_rate(pool), ""
    why = "no message-level training dialogues outside the evaluated file to measure the cut rate on"
    if units == "messages":
        raise SimulatorError(f"--units messages: {why}")
    return "turns", None, f"the file keeps chat messages, simulated turns are compared whole: {why}"
