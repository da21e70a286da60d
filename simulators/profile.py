"""Target-free simulated seeker (`--user-model profile`): it knows only what one real ReDial seeker
said and felt, and accepts the films that seeker accepted.

Goals come from a ReDial-format goal file (`simulators.profile_goals`): per dialogue a `Profile`
(the seeker's mentioned movies with polarity; genres and people in the seeker's own messages) and
the acceptable set (films the human recommender suggested and the seeker liked). The user

- answers a question about a genre with a genre it showed it likes (own words first, else a genre
  of the movies it said it liked, weighted by how often real seekers name it); about stars /
  director with a person from its own words, else (with the session's `person_recall`) a person of
  a movie it said it liked; otherwise, or when the profile is silent, "no preference" with empty
  labels;
- accepts (done, success) when a shown film is in the acceptable set; otherwise says "seen it"
  (rate measured from the goal dialogues' `seen` answers to suggestions the seeker did not like),
  critiques with a reason from its profile (a genre it dislikes that the film has, a liked genre or
  person it lacks), asks about the film or rejects it; it leaves after `patience` turns, as the
  natural simulator does;
- speaks through the natural simulator's mined grammar and surface realisation (this class
  subclasses `NaturalSimulator` and replaces every method that reads the target).

The acceptable films are read only by `respond` to decide acceptance; `target_of` names one of
them for failure diagnosis. No answer, critique or volunteered statement reads them.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crs.catalog.dialogues import Dialogue
from crs.protocols import LLM
from crs.types import Action, Catalog
from simulators.errors import SimulatorError
from simulators.grammar import Grammar, fallback_grammar, template_key
from simulators.latent import Goal, GoalPool, beta, choose
from simulators.natural import (
    ACTION_KINDS,
    EpisodeState,
    NaturalSimulator,
    _Plan,
    out_of_patience,
    replace,
    resolve_attributes,
)
from simulators.profile_config import ProfileConfig, ProfileLatents
from simulators.profile_goals import Entities, Profile, ProfileGoal, ProfileGoals, read_entities
from simulators.profile_grammar import ASK_KEY, MORE_KEY, SEEN_KEY, profile_grammar
from simulators.surface import Vocabulary
from simulators.types import SimTurn, TurnLabels

log = logging.getLogger(__name__)
__all__ = ["ProfileConfig", "ProfileLatents", "ProfileSimulator", "build_profile", "target_of"]


class ProfileSimulator(NaturalSimulator):
    """A seeker that knows only its real counterpart's profile; implements `crs.protocols.Simulator`."""

    def __init__(self, catalog: Catalog, goals: ProfileGoals, config: ProfileConfig | None = None, seed: int = 0, *,
                 grammar: Grammar | None = None, llm: LLM | None = None, vocab: Vocabulary | None = None) -> None:
        self.profile_config = config or ProfileConfig()
        self.profiles = goals
        pool = GoalPool.from_goals(catalog, (Goal(g.acceptable[0], g.profile.liked, g.profile.disliked)
                                             for g in goals.goals), "profile")
        super().__init__(catalog, self.profile_config.natural, seed, grammar=grammar or fallback_grammar(),
                         goals=pool, llm=llm, vocab=vocab)
        self.grammar = profile_grammar(self.grammar, self.vocab)
        self.goal: ProfileGoal | None = None
        self._roles: dict[str, tuple[str, ...]] | None = None
        rate = self.profile_config.seen_rate
        self.seen_rate = goals.seen.rate_rejected if rate is None else rate

    # --- episode ------------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        """The current seeker's profile (all the user's answers come from here)."""
        if self.goal is None:
            raise SimulatorError("episode not started: call reset() first")
        return self.goal.profile

    @property
    def acceptable(self) -> tuple[str, ...]:
        """Films that end the episode with success (never read by answers)."""
        return self.goal.acceptable if self.goal is not None else ()

    def reset(self, seed: int | None = None) -> SimTurn:
        """Start an episode with a goal drawn by the seed; returns the opening utterance."""
        if seed is not None:
            self._rng = random.Random(seed)
        return self.start(self._rng.randrange(len(self.profiles.goals)))

    def start(self, goal: int | str, seed: int | None = None) -> SimTurn:
        """Start an episode with a given goal (index, or conversation id)."""
        if seed is not None:
            self._rng = random.Random(seed)
        if isinstance(goal, str):
            found = [g for g in self.profiles.goals if g.profile.conversation_id == goal]
            if not found:
                raise SimulatorError(f"no usable goal for conversation {goal!r}")
            self.goal = found[0]
        else:
            self.goal = self.profiles.goals[goal]
        self.state = EpisodeState(self._latents(self.goal))
        act = choose(self._rng, self.config.opening)
        plan = self._volunteer(act) if act != "chitchat" else self._chitchat("greet")
        return self._emit(plan)

    def _latents(self, goal: ProfileGoal) -> ProfileLatents:
        rng, cfg, pc = self._rng, self.config, self.profile_config
        r = min(max(self.seen_rate, 1e-3), 1 - 1e-3)
        return ProfileLatents(
            target=goal.acceptable[0], liked=goal.profile.liked, disliked=goal.profile.disliked,
            patience=rng.randint(*cfg.patience), verbosity=beta(rng, cfg.verbosity),
            critique_propensity=beta(rng, cfg.critique_propensity), initiative=beta(rng, cfg.initiative),
            title_knowledge=beta(rng, cfg.title_knowledge), register=choose(rng, cfg.register),
            conversation_id=goal.profile.conversation_id,
            seen_propensity=beta(rng, (r * pc.seen_concentration, (1 - r) * pc.seen_concentration)),
            person_recall=beta(rng, pc.person_recall))

    def respond(self, action: Action, reply_text: str = "") -> SimTurn:
        """React to the system action (the system's words are not needed)."""
        st = self.state
        if st is None or st.done or self.goal is None:
            raise SimulatorError("episode is over or not started: call reset() first")
        if not isinstance(action, Action) or action.kind not in ACTION_KINDS:
            kind = getattr(action, "kind", type(action).__name__)
            raise SimulatorError(f"unknown system action {kind!r}; valid kinds: {', '.join(ACTION_KINDS)}")
        self.state = st = replace(st, turn=st.turn + 1)
        if action.kind == "recommend" and action.items:
            hit = next((i for i in action.items if i in self.goal.acceptable), None)
            if hit is not None:
                return self._emit(self._accept_item(hit), done=True, success=True)
            if out_of_patience(st):
                return self._emit(self._reject(action.items), done=True)
            self.state = replace(st, rejected=st.rejected | set(action.items))
            return self._emit(self._on_wrong(action.items))
        if action.kind == "wait" and st.last_act == "ask_rec":
            self.state = st = replace(st, impatience=st.impatience + self.config.wait_impatience)
        if out_of_patience(st):
            return self._emit(self._chitchat("bye"), done=True)
        if action.kind == "ask":
            return self._emit(self._answer((action.attribute or "").split("=", 1)[0] or None))
        return self._emit(self._on_wait())

    # --- what the profile says ----------------------------------------------------------------
    def liked_genres(self) -> Counter[str]:
        """Genres the seeker showed they like: own words (+1, not also negated), else the genres
        of the movies they said they liked; counts are the evidence."""
        p, attr = self.profile, self.vocab.genre_attr
        if attr is None:
            return Counter()
        neg = {v for v, pol in p.genres if pol < 0}
        own = Counter(v for v, pol in p.genres if pol > 0 and v not in neg)
        if own:
            return own
        return Counter(v for m in p.liked for v in self.catalog.item(m).values(attr))

    def _said_genres(self) -> Counter[str]:
        """`liked_genres` weighted for saying one: own words as they are; genres read off the liked
        movies weighted by how often real seekers name each genre (the grammar's `genre_counts`),
        so "drama", which most films carry and few seekers ask for, is not the usual answer."""
        counts = self.liked_genres()
        if any(pol > 0 for _, pol in self.profile.genres):
            return counts
        prior = self.grammar.genre_counts
        return Counter({v: c * (1 + prior.get(v.lower(), prior.get(v, 0))) for v, c in counts.items()})

    def disliked_genres(self) -> list[str]:
        """Genres negated in the own words, then genres of disliked movies no liked evidence has."""
        p, attr = self.profile, self.vocab.genre_attr
        if attr is None:
            return []
        liked = {v for v, pol in p.genres if pol > 0}
        liked |= {v for m in p.liked for v in self.catalog.item(m).values(attr)}
        out = list(dict.fromkeys(v for v, pol in p.genres if pol < 0))
        out += [v for m in p.disliked for v in self.catalog.item(m).values(attr) if v not in liked and v not in out]
        return list(dict.fromkeys(out))

    def own_persons(self, attribute: str | None = None) -> list[tuple[str, str]]:
        """(role attribute, name) of people the seeker named with approval; with `attribute`, only
        people who hold that role in some catalog film."""
        p = self.profile
        neg = {n for n, pol in p.persons if pol < 0}
        out = []
        for name in dict.fromkeys(n for n, pol in p.persons if pol > 0 and n not in neg):
            roles = self._person_roles().get(name, ())
            role = attribute if attribute in roles else (roles[0] if roles and attribute is None else None)
            if role is not None:
                out.append((role, name))
        return out

    def liked_movie_persons(self, attribute: str) -> Counter[str]:
        """People of `attribute` in the movies the seeker said they liked (top-billed stars only)."""
        cap = self.profile_config.max_stars if attribute == "stars" else None
        return Counter(v for m in self.profile.liked for v in self.catalog.item(m).values(attribute)[:cap])

    def _person_roles(self) -> dict[str, tuple[str, ...]]:
        if self._roles is None:
            roles: dict[str, list[str]] = {}
            for attr in self.vocab.person_attrs:
                for it in self.catalog.items:
                    for name in it.values(attr):
                        r = roles.setdefault(name, [])
                        if attr not in r:
                            r.append(attr)
            self._roles = {k: tuple(v) for k, v in roles.items()}
        return self._roles

    # --- response model (replaces every target-reading method of NaturalSimulator) -------------
    def _fresh(self, attribute: str, values: Iterable[str]) -> list[str]:
        values = list(values)
        fresh = [v for v in values if (attribute, v) not in self.episode_state.stated]
        return fresh or values

    @property
    def episode_state(self) -> EpisodeState:
        if self.state is None:
            raise SimulatorError("episode not started: call reset() first")
        return self.state

    def _weighted_pick(self, counts: Counter[str], n: int) -> list[str]:
        values = list(counts)
        first = self._rng.choices(values, weights=[counts[v] for v in values])[0]
        rest = [v for v in values if v != first]
        return [first] + ([self._rng.choices(rest, weights=[counts[v] for v in rest])[0]] if n > 1 and rest else [])

    def _state_attribute(self, attribute: str | None) -> _Plan | None:
        """State a liked genre or person from the profile; None where the profile is silent."""
        rng, lat, gattr = self._rng, self.episode_state.latents, self.vocab.genre_attr
        if attribute is None:
            persons = self.own_persons()
            genres = self.liked_genres()
            if persons and (rng.random() < 0.2 or not genres):
                role, name = rng.choice(persons)
                return self._person_plan(role, [name])
            attribute = gattr
            if attribute is None:
                return None
        if attribute == gattr:
            counts = self._said_genres()
            fresh = self._fresh(attribute, counts)
            counts = Counter({v: counts[v] for v in fresh})
            if not counts:
                return None
            n = 2 if len(counts) > 1 and rng.random() < lat.verbosity else 1
            chosen = self._weighted_pick(counts, n)
            fills = {f"genre{i}": ("genre", v) for i, v in enumerate(chosen)}
            return self._stated(attribute, chosen, fills, template_key("state_attribute", genres=n))
        if attribute in self.vocab.person_attrs:
            own = [name for _, name in self.own_persons(attribute)]
            if own:
                return self._person_plan(attribute, self._fresh(attribute, own))
            recall = getattr(lat, "person_recall", 0.0)
            counts = self.liked_movie_persons(attribute)
            if counts and rng.random() < recall:
                return self._person_plan(attribute, self._fresh(attribute, counts))
        return None

    def _person_plan(self, attribute: str, names: Sequence[str]) -> _Plan:
        name = self._rng.choice(list(names))
        return self._stated(attribute, [name], {"person0": ("person", name)},
                            template_key("state_attribute", persons=1))

    def _stated(self, attribute: str, chosen: list[str], fills: Mapping[str, tuple[str, str]], key: str) -> _Plan:
        st = self.episode_state
        self.state = replace(st, stated=st.stated | {(attribute, v) for v in chosen})
        labels = TurnLabels(attributes=tuple((attribute, v, 1) for v in chosen))
        return self._plan("state_attribute", key, fills, labels, {"attribute": attribute, "values": tuple(chosen)})

    def _on_wrong(self, items: tuple[str, ...]) -> _Plan:
        """A film outside the acceptable set: seen it, not my kind (critique), ask about it, reject."""
        rng, lat, p, first = self._rng, self.episode_state.latents, self.profile, items[0]
        if first in p.liked:
            return self._seen(items)
        if first in p.disliked or first in p.refused:
            return self._reject(items)
        if rng.random() < getattr(lat, "seen_propensity", self.seen_rate):
            return self._seen(items)
        if rng.random() < lat.critique_propensity:
            plan = self._critique(items)
            if plan is not None:
                return plan
        if rng.random() < self.config.p_reply_chitchat:
            return self._plan("chitchat", ASK_KEY, {}, TurnLabels(),
                              {"kind": "ask_about", "about_item": first, "rejected": tuple(items)})
        return self._reject(items)

    def _seen(self, items: tuple[str, ...]) -> _Plan:
        return self._plan("reject", SEEN_KEY, {}, TurnLabels(), {"rejected": tuple(items), "reason": "seen"})

    def _emit(self, plan: _Plan, done: bool = False, success: bool = False) -> SimTurn:
        turn = super()._emit(plan, done, success)
        if plan.slots.get("reason") == "seen" and self._rng.random() < self.profile_config.p_seen_followup:
            more = self._render(self._plan("ask_rec", MORE_KEY, {}, TurnLabels(), {}))
            turn = dataclasses.replace(turn, text=f"{turn.text} {more}")
        return turn

    def _critique(self, items: tuple[str, ...]) -> _Plan | None:
        """Not my kind of film: a disliked genre the film has, or a liked genre / person it lacks."""
        attr, first = self.vocab.genre_attr, items[0]
        if first not in self.catalog:
            return None
        rec = self.catalog.item(first)
        slots: dict[str, object] = {"about_item": first, "rejected": tuple(items)}
        if attr is not None:
            has = set(rec.values(attr))
            avoid = [v for v in self.disliked_genres() if v in has]
            liked = self.liked_genres()
            want = Counter({v: c for v, c in liked.items() if v not in has})
            if want or avoid:
                pol = 1 if want and (not avoid or self._rng.random() < 0.6) else -1
                value = self._weighted_pick(want, 1)[0] if pol > 0 else self._rng.choice(avoid)
                return self._plan("critique", template_key("critique", genres=1, polarity=pol),
                                  {"genre0": ("genre", value)}, TurnLabels(attributes=((attr, value, pol),)),
                                  {**slots, "attribute": attr, "value": value, "polarity": pol})
        lacking = [(r, n) for r, n in self.own_persons() if n not in rec.values(r)]
        if not lacking:
            return None
        role, name = self._rng.choice(lacking)
        return self._plan("critique", template_key("critique", persons=1), {"person0": ("person", name)},
                          TurnLabels(attributes=((role, name, 1),)),
                          {**slots, "attribute": role, "value": name, "polarity": 1})

    def _accept_item(self, item: str) -> _Plan:
        if self._rng.random() < self.config.p_name_item:
            return self._plan("accept", template_key("accept", items=1), {"item0": ("item", item)},
                              TurnLabels(entities=((item, 1),)), {"item": item})
        return self._plan("accept", template_key("accept"), {}, TurnLabels(), {"item": item})

    def _accept(self) -> _Plan:  # never used: acceptance goes through `_accept_item`
        raise SimulatorError("ProfileSimulator accepts a shown acceptable film only (respond)")


def target_of(sim: Any) -> str | None:
    """One acceptable film of the current episode (failure diagnosis only; never read by answers)."""
    goal = getattr(sim, "goal", None)
    return goal.acceptable[0] if goal is not None and goal.acceptable else None


def _mined_grammar(catalog: Catalog, data_dir: str | Path | None, vocab: Vocabulary, exclude: set[str],
                   cache: str | Path | None) -> Grammar:
    """The natural simulator's phrase grammar, mined without the goal dialogues (fallback templates
    without a data directory or for a catalog without `genres`)."""
    from crs.catalog.redial import DEFAULT_DIALOGUES
    from crs.config import data_dir as resolve
    from simulators.grammar import load_grammar

    root = resolve(data_dir)
    files = [f for f in ((Path(root) / n for n in DEFAULT_DIALOGUES) if root is not None else ()) if f.is_file()]
    if not files or vocab.genre_attr != "genres":
        return fallback_grammar()
    key = f"{catalog.fingerprint()}:{vocab.genre_attr}:{','.join(vocab.person_attrs)}"
    try:
        return load_grammar(files, vocab, key, exclude, cache)
    except SimulatorError as e:  # every train dialogue is a goal (or excluded): nothing left to mine
        log.warning("profile user: %s; using the hand-written templates", e)
        return fallback_grammar()


def build_profile(catalog: Catalog, dialogues: str | Path | Sequence[Dialogue], config: ProfileConfig | None = None,
                  seed: int = 0, *, data_dir: str | Path | None = None, grammar: Grammar | None = None,
                  entities: Entities | None = None, exclude_ids: Iterable[str] = (), cache: str | Path | None = None,
                  llm: LLM | None = None) -> ProfileSimulator:
    """A `ProfileSimulator` whose goals are the dialogues of a ReDial-format goal file (a path, whose
    annotated entities are read too, or parsed dialogues with optional `entities`).

    The phrase grammar is mined from the ReDial train files of `data_dir` minus every goal dialogue
    (and `exclude_ids`), so no goal seeker's message is ever spoken. SimulatorError when no dialogue
    has an acceptable catalog film."""
    from crs.catalog.dialogues import read_dialogues

    config = config or ProfileConfig()
    genre, persons = resolve_attributes(catalog, config.natural)
    vocab = Vocabulary.from_catalog(catalog, genre, persons)
    if isinstance(dialogues, (str, Path)):
        source, ds = str(dialogues), read_dialogues(dialogues).dialogues
        entities = read_entities(dialogues) if entities is None else entities
    else:
        source, ds = "dialogues", list(dialogues)
    goals = ProfileGoals.from_dialogues(catalog, ds, vocab, entities, config.own_words, source)
    if grammar is None:
        grammar = _mined_grammar(catalog, data_dir, vocab, {d.conversation_id for d in ds} | set(exclude_ids), cache)
    return ProfileSimulator(catalog, goals, config, seed, grammar=grammar, llm=llm, vocab=vocab)
