"""Natural-language user simulator controlled by session- and turn-level latent variables.

Layers (PyDial style): goal sampling (`latent.GoalPool`: real ReDial seekers' accepted/liked
movies), session traits (`latent.SessionLatents`), a response model (this module: which act to
take given the system action), a phrase grammar mined from real seeker messages
(`grammar.Grammar`) and a separate surface-noise model (`textnoise`). Every turn carries its act
and labels (attributes and items said, with polarity). The agent is a black box: the simulator
only reads the system `Action` (and, optionally, the reply text).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from crs.catalog.dialogues import Dialogue
from crs.protocols import LLM
from crs.types import Act, Action, AttributeKind, Catalog, Item
from simulators.errors import SimulatorError
from simulators.grammar import SLOT, Grammar, fallback_grammar, template_key
from simulators.latent import GoalPool, NaturalConfig, SessionLatents, choose, sample_latents
from simulators.surface import Vocabulary, default_genre_attr
from simulators.textnoise import add_typo, apply_register, title_surface
from simulators.types import SimTurn, TurnLabels

ACTION_KINDS = ("ask", "recommend", "wait", "answer")
_ASSISTANT = re.compile(r"rewrit|paraphrase|as an? (ai|chat)|assist|here to help|language model|glad i could|"
                        r"can i do for you|happy to (help|recommend)")
_WORDS = re.compile(r"[a-z']{3,}")


@dataclass(frozen=True)
class EpisodeState:
    """What the simulated user remembers of the current episode."""

    latents: SessionLatents
    turn: int = 0
    stated: frozenset[tuple[str, str]] = frozenset()
    mentioned: frozenset[str] = frozenset()
    rejected: frozenset[str] = frozenset()
    done: bool = False
    success: bool = False
    last_act: str = ""
    """The user's previous act (`state_attribute`, `ask_rec`, ...): what a `wait` interrupts."""
    impatience: int = 0
    """Turns of patience lost to waits that ignored a request."""


MID_THOUGHT = frozenset({"state_attribute", "mention_liked", "mention_disliked"})
"""User acts after which a `wait` hands the initiative back to someone mid-thought."""


def out_of_patience(st: EpisodeState) -> bool:
    """The user leaves: its patience (a session latent) is used up by turns and ignored requests."""
    return st.turn + st.impatience >= st.latents.patience


def replace(state: EpisodeState, **changes: object) -> EpisodeState:
    """`dataclasses.replace` without its per-call field introspection (hot path)."""
    fields = dict(state.__dict__)
    fields.update(changes)
    return EpisodeState(**fields)


@dataclass(frozen=True)
class _Plan:
    """A turn before rendering: act, template key, slot fills and labels."""

    act: str
    key: str
    fills: Mapping[str, tuple[str, str]]  # slot name -> (kind, value); kind: item|genre|person|value
    labels: TurnLabels
    slots: Mapping[str, object]


class NaturalSimulator:
    """Simulated seeker speaking natural language; implements `crs.protocols.Simulator`."""

    def __init__(self, catalog: Catalog, config: NaturalConfig | None = None, seed: int = 0, *,
                 grammar: Grammar | None = None, goals: GoalPool | None = None, llm: LLM | None = None,
                 vocab: Vocabulary | None = None) -> None:
        self.catalog = catalog
        self.config = config or NaturalConfig()
        self.vocab = vocab or Vocabulary.from_catalog(catalog, *resolve_attributes(catalog, self.config))
        self.grammar = grammar or fallback_grammar()
        self.goals = goals or GoalPool.from_catalog(catalog, seed=seed)
        self.llm = llm
        self._rng = random.Random(seed)
        self.state: EpisodeState | None = None
        self.paraphrase_stats = {"asked": 0, "kept": 0}
        """LLM paraphrases requested and kept (the others failed validation)."""

    @property
    def episode(self) -> EpisodeState:
        """The current episode's state; SimulatorError before `reset` (every step of the response
        model runs inside an episode)."""
        if self.state is None:
            raise SimulatorError("episode not started: call reset() first")
        return self.state

    # --- protocol -----------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> SimTurn:
        """Start an episode (new latents); returns the opening utterance."""
        if seed is not None:
            self._rng = random.Random(seed)
        self.state = EpisodeState(sample_latents(self._rng, self.config, self.goals))
        act = choose(self._rng, self.config.opening)
        plan = self._volunteer(act) if act != "chitchat" else self._chitchat("greet")
        return self._emit(plan)

    def respond(self, action: Action, reply_text: str = "") -> SimTurn:
        """React to the system action; `reply_text` (the system's words) is not needed."""
        st = self.state
        if st is None or st.done:
            raise SimulatorError("episode is over or not started: call reset() first")
        if not isinstance(action, Action) or action.kind not in ACTION_KINDS:
            kind = getattr(action, "kind", type(action).__name__)
            raise SimulatorError(f"unknown system action {kind!r}; valid kinds: {', '.join(ACTION_KINDS)}")
        self.state = st = replace(st, turn=st.turn + 1)
        lat = st.latents
        if action.kind == "recommend" and action.items:
            if lat.target in action.items:
                return self._emit(self._accept(), done=True, success=True)
            if out_of_patience(st):
                return self._emit(self._reject(action.items), done=True)
            self.state = replace(st, rejected=st.rejected | set(action.items))
            return self._emit(self._on_wrong(action.items))
        if action.kind == "wait" and st.last_act == "ask_rec":
            self.state = st = replace(st, impatience=st.impatience + self.config.wait_impatience)
        if out_of_patience(st):
            return self._emit(self._chitchat("bye"), done=True)
        if action.kind == "ask":
            return self._emit(self._answer(action.attribute))
        return self._emit(self._on_wait())

    # --- response model -----------------------------------------------------------------------
    def _on_wrong(self, items: tuple[str, ...]) -> _Plan:
        """A recommendation without the target: critique, chit-chat or reject."""
        rng = self._rng
        if rng.random() < self.episode.latents.critique_propensity:
            plan = self._critique(items)
            if plan is not None:
                return plan
        if rng.random() < self.config.p_reply_chitchat:
            return self._plan("chitchat", template_key("chitchat", sub="other"), {}, TurnLabels(),
                              {"kind": "other", "rejected": tuple(items)})
        return self._reject(items)

    def _on_wait(self) -> _Plan:
        """Volunteer (more likely when mid-thought), else chit-chat or ask for recommendations."""
        lat, st = self.episode.latents, self.episode
        boost = self.config.wait_mid_thought if st.last_act in MID_THOUGHT else 0.0
        if self._rng.random() < lat.initiative + boost:
            return self._volunteer(choose(self._rng, self.config.volunteer))
        if self._rng.random() < self.config.p_chitchat:
            return self._chitchat("other")
        return self._plan("ask_rec", template_key("ask_rec"), {}, TurnLabels(), {})

    def _volunteer(self, act: str) -> _Plan:
        """Say something new about the goal; falls back through the other options."""
        order = [act] + [a for a in ("state_attribute", "mention_liked", "ask_rec") if a != act]
        for a in order:
            if a == "ask_rec":
                return self._plan("ask_rec", template_key("ask_rec"), {}, TurnLabels(), {})
            plan = self._state_attribute(None) if a == "state_attribute" else self._mention(a)
            if plan is not None:
                return plan
        raise AssertionError("unreachable")

    def _answer(self, attribute: str | None) -> _Plan:
        if not attribute:
            raise SimulatorError("ask action without an attribute")
        if attribute not in self.catalog.schema:
            raise SimulatorError(f"system asked about unknown attribute {attribute!r}; catalog "
                                 f"{self.catalog.name!r} has: {', '.join(self.catalog.schema.names)}")
        r = self._rng.random()
        if r < self.config.p_answer_movie:
            plan = self._mention("mention_liked")
            if plan is not None:
                return plan
        plan = None if r > 1 - self.config.p_indifferent else self._state_attribute(attribute)
        if plan is None:
            return self._plan("chitchat", template_key("chitchat", sub="indifferent"), {}, TurnLabels(),
                              {"answer": "indifferent", "attribute": attribute})
        return plan

    def _state_attribute(self, attribute: str | None) -> _Plan | None:
        """State target values of `attribute` (None: the genre attribute or a person)."""
        target = self.catalog.item(self.episode.latents.target)
        if attribute is None:
            persons = [a for a in self.vocab.person_attrs if target.values(a)]
            use_person = persons and (self._rng.random() < 0.2 or not target.values(self.vocab.genre_attr or ""))
            attribute = self._rng.choice(persons) if use_person else self.vocab.genre_attr
            if attribute is None:
                return None
        values = self._target_values(target, attribute)
        if not values:
            return None
        if attribute == self.vocab.genre_attr:
            n = 2 if len(values) > 1 and self._rng.random() < self.episode.latents.verbosity else 1
            chosen = self._pick_genres(values, n)
            fills = {f"genre{i}": ("genre", v) for i, v in enumerate(chosen)}
            key = template_key("state_attribute", genres=n)
        elif attribute in self.vocab.person_attrs:
            chosen = [self._rng.choice(values)]
            fills, key = {"person0": ("person", chosen[0])}, template_key("state_attribute", persons=1)
        else:
            chosen = [self._rng.choice(values)]
            fills, key = {"value0": ("value", chosen[0])}, template_key("state_attribute", values=1)
        labels = TurnLabels(attributes=tuple((attribute, v, 1) for v in chosen))
        self.state = replace(self.episode, stated=self.episode.stated | {(attribute, v) for v in chosen})
        return self._plan("state_attribute", key, fills, labels, {"attribute": attribute, "values": tuple(chosen)})

    def _target_values(self, target: Item, attribute: str) -> list[str]:
        kind = self.catalog.schema.get(attribute).kind
        raw = target.attributes.get(attribute)
        if kind is AttributeKind.NUMERIC:  # one number (a tuple only holds set values)
            return [] if raw is None or isinstance(raw, tuple) else [str(int(raw)) if float(raw).is_integer() else str(raw)]
        values = list(target.values(attribute))
        fresh = [v for v in values if (attribute, v) not in self.episode.stated]
        return fresh or values

    def _pick_genres(self, values: list[str], n: int) -> list[str]:
        counts = self.grammar.genre_counts
        weights = [1.0 + counts.get(v, 0) for v in values]
        first = self._rng.choices(values, weights=weights)[0]
        rest = [v for v in values if v != first]
        return [first] + ([self._rng.choice(rest)] if n > 1 and rest else [])

    def _mention(self, act: str) -> _Plan | None:
        st = self.episode
        pool = st.latents.liked if act == "mention_liked" else st.latents.disliked
        fresh = [i for i in pool if i not in st.mentioned]
        if not fresh:
            return None
        two = act == "mention_liked" and len(fresh) > 1 and self._rng.random() < st.latents.verbosity / 2
        items = fresh[:2] if two else fresh[:1]
        pol = 1 if act == "mention_liked" else -1
        self.state = replace(st, mentioned=st.mentioned | set(items))
        fills = {f"item{i}": ("item", it) for i, it in enumerate(items)}
        return self._plan(act, template_key(act, items=len(items)), fills,
                          TurnLabels(entities=tuple((i, pol) for i in items)), {"items": tuple(items)})

    def _critique(self, items: tuple[str, ...]) -> _Plan | None:
        """Critique the first recommended item by a genre value where it differs from the target."""
        attr = self.vocab.genre_attr
        if attr is None or items[0] not in self.catalog:
            return None
        target, rec = self.catalog.item(self.episode.latents.target), self.catalog.item(items[0])
        want = [v for v in target.values(attr) if v not in rec.values(attr)]
        avoid = [v for v in rec.values(attr) if v not in target.values(attr)]
        if not want and not avoid:
            return None
        pol = 1 if want and (not avoid or self._rng.random() < 0.6) else -1
        value = self._pick_genres(want if pol > 0 else avoid, 1)[0]
        labels = TurnLabels(attributes=((attr, value, pol),))
        return self._plan("critique", template_key("critique", genres=1, polarity=pol), {"genre0": ("genre", value)},
                          labels, {"about_item": items[0], "rejected": tuple(items), "attribute": attr,
                                   "value": value, "polarity": pol})

    def _accept(self) -> _Plan:
        target = self.episode.latents.target
        if self._rng.random() < self.config.p_name_item:
            return self._plan("accept", template_key("accept", items=1), {"item0": ("item", target)},
                              TurnLabels(entities=((target, 1),)), {"item": target})
        return self._plan("accept", template_key("accept"), {}, TurnLabels(), {"item": target})

    def _reject(self, items: tuple[str, ...]) -> _Plan:
        slots = {"rejected": tuple(items)}
        if items[0] in self.catalog and self._rng.random() < self.config.p_name_item:
            return self._plan("reject", template_key("reject", items=1), {"item0": ("item", items[0])},
                              TurnLabels(entities=((items[0], -1),)), slots)
        return self._plan("reject", template_key("reject"), {}, TurnLabels(), slots)

    def _chitchat(self, kind: str) -> _Plan:
        return self._plan("chitchat", template_key("chitchat", sub=kind), {}, TurnLabels(), {"kind": kind})

    @staticmethod
    def _plan(act: str, key: str, fills: Mapping[str, tuple[str, str]], labels: TurnLabels,
              slots: Mapping[str, object]) -> _Plan:
        return _Plan(act, key, fills, labels, slots)

    # --- rendering ----------------------------------------------------------------------------
    def _emit(self, plan: _Plan, done: bool = False, success: bool = False) -> SimTurn:
        text = self._render(plan)
        if plan.act == "accept" and done and self._rng.random() < self.config.p_closing:
            text = f"{text} {self._render(self._chitchat('bye'))}"
        self.state = replace(self.episode, last_act=plan.act, done=done or self.episode.done,
                             success=success or self.episode.success)
        return SimTurn(text, Act(plan.act, dict(plan.slots)), plan.labels, done, success)

    def _render(self, plan: _Plan) -> str:
        rng, lat = self._rng, self.episode.latents
        template = apply_register(self.grammar.pick(plan.key, rng), lat.register, rng)
        if rng.random() < self.config.typo_rate:
            template = add_typo(template, rng)
        surfaces = {name: self._surface(kind, value) for name, (kind, value) in plan.fills.items()}

        said: list[str] = []

        def fill(m: re.Match[str]) -> str:
            name = f"{m.group(1)}{m.group(2)}"
            if name not in surfaces:
                raise SimulatorError(f"template {template!r} has slot {name!r} that key {plan.key!r} lacks")
            kind, value = plan.fills[name]
            said.append(self.vocab.surface(value, m.group(3) or "base") if kind == "genre" else surfaces[name])
            return said[-1]

        text = SLOT.sub(fill, template)
        if self.llm is not None and rng.random() < self.config.paraphrase_prob:
            text = self._paraphrase(self.llm, text, said)
        return text

    def _surface(self, kind: str, value: str) -> str:
        if kind != "item":
            return value
        if self.config.mention_format == "redial":
            return f"@{value}"
        item = self.catalog.item(value)
        exact = self._rng.random() < self.episode.latents.title_knowledge
        return title_surface(item.title, item.year, exact, self._rng)

    def _paraphrase(self, llm: LLM, text: str, keep: Sequence[str]) -> str:
        """LLM rephrasing, kept only if every title/name/value survives verbatim."""
        prompt = ("Rewrite this message from a person asking for movie recommendations in a chat, "
                  f"same meaning, keep names and titles exactly, one line:\n{text}\nRewritten:")
        self.paraphrase_stats["asked"] += 1
        out = " ".join(llm.complete(prompt, max_tokens=48).strip().split("\n")[:1]).strip()
        low = out.lower()
        if (not out or len(out) > 3 * len(text) + 40 or any(k.lower() not in low for k in keep)
                or _ASSISTANT.search(low) or _overlap(text, out) < 0.3):
            return text
        self.paraphrase_stats["kept"] += 1
        return out


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of the words (3+ letters) of two texts; 1.0 when the original has none."""
    wa, wb = set(_WORDS.findall(a.lower())), set(_WORDS.findall(b.lower()))
    return len(wa & wb) / len(wa | wb) if wa else 1.0


def resolve_attributes(catalog: Catalog, config: NaturalConfig) -> tuple[str | None, tuple[str, ...]]:
    """The genre and person attributes to use: explicit names are validated by `Vocabulary`."""
    genre = config.genre_attr if config.genre_attr is not None else default_genre_attr(catalog)
    if config.person_attrs is not None:
        return genre, tuple(config.person_attrs)
    return genre, tuple(a for a in ("stars", "director") if a in catalog.schema)


def build_natural(catalog: Catalog, data_dir: str | Path | None = None, config: NaturalConfig | None = None,
                  seed: int = 0, exclude_ids: Iterable[str] = (), llm: LLM | None = None,
                  cache: str | Path | None = None, goal_dialogues: Sequence[Dialogue] | None = None) -> NaturalSimulator:
    """A NaturalSimulator (the `oracle` user model: it knows its target) with the grammar mined
    from the ReDial train dialogues of `data_dir` minus `exclude_ids` and minus `goal_dialogues`,
    and goals of real seekers: those of `goal_dialogues` when given (a goal file), else the train
    dialogues minus `exclude_ids`.

    Without a data directory (or for a non-movie catalog) it uses hand-written templates and
    goals drawn from popular catalog items.
    """

    from crs.catalog.dialogues import read_dialogues
    from crs.catalog.redial import DEFAULT_DIALOGUES
    from crs.config import data_dir as resolve
    from simulators.grammar import load_grammar

    config = config or NaturalConfig()
    genre, persons = resolve_attributes(catalog, config)
    vocab = Vocabulary.from_catalog(catalog, genre, persons)
    root = resolve(data_dir)
    files = [Path(root) / f for f in DEFAULT_DIALOGUES] if root is not None else []
    files = [f for f in files if f.is_file()]
    if not files or genre != "genres":
        return NaturalSimulator(catalog, config, seed, vocab=vocab, llm=llm)
    exclude = set(exclude_ids) | {d.conversation_id for d in goal_dialogues or ()}
    key = f"{catalog.fingerprint()}:{genre}:{','.join(persons)}"
    grammar = load_grammar(files, vocab, key, exclude, cache)
    dialogues = list(goal_dialogues) if goal_dialogues is not None else [
        d for f in files for d in read_dialogues(f).dialogues if d.conversation_id not in exclude]
    try:
        goals = GoalPool.from_dialogues(catalog, dialogues)
    except SimulatorError:
        goals = GoalPool.from_catalog(catalog, seed=seed)
    return NaturalSimulator(catalog, config, seed, grammar=grammar, goals=goals, llm=llm, vocab=vocab)
