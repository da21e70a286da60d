"""The composition root's factories: agents and simulators built by name and handed to the engine.

Only this package knows both `crs` and `simulators/`. The engine receives what it builds here:
`crs.eval.natural.EpisodeJob` a picklable `functools.partial(natural_components, ...)` (process and
Ray workers call it to rebuild the agent and the simulator, once per worker process);
`crs.eval.attribute.evaluate_parallel` an `AttributeJob` (names of catalog, split and policy);
`crs.policy.env_factory.EnvMaker` and `crs.eval.chat_training` simulator factories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crs.dialogue.agent import Agent
from crs.errors import CRSError
from crs.policy.belief import BeliefConfig
from crs.policy.env_factory import EnvMaker
from crs.policy.training_data import TrainingData
from crs.types import Catalog

if TYPE_CHECKING:
    from crs.catalog.dialogues import Dialogue
    from crs.eval.attribute import AttributeComponents
    from crs.eval.leaks import Sources
    from simulators.attribute import AttributeSimulator, Episode
    from simulators.multichoice import MultiChoiceSimulator
    from simulators.natural import NaturalSimulator
    from simulators.replay import ReplaySimulator

SIMULATORS = ("natural", "replay")


# --- the whole chatbot against a text simulator ----------------------------------------------

def build_eval_agent(catalog: Catalog, data_dir: str | None, nlu: str = "learned", policy: str = "bayes",
                     policy_path: str | None = None, k: int = 3, review_query: bool = False) -> Agent:
    """The chatbot as `crs chat` builds it, with an in-memory store (no files written) and,
    optionally, a DQN checkpoint loaded from `policy_path`."""
    from crs.dialogue.build import AgentConfig, build_agent, with_policy
    from crs.store import Store

    name = "bayes" if policy_path else policy
    agent = build_agent(AgentConfig(catalog=catalog.name, data_dir=data_dir, nlu=nlu, policy=name, k=k,
                                    review_query=review_query),
                        catalog=catalog, store=Store(":memory:"))
    if policy_path:  # the DQN with the belief observation it was trained on (chat ask-space ids)
        agent = with_policy(agent, "dqn", path=policy_path)
    return agent


USER_MODELS = ("profile", "oracle")
"""profile: knows only what the real seeker of its goal dialogue said (target-free, the default);
oracle: knows its target film (cast, director, genres) — kept for comparison, labelled in reports."""


def goal_dialogues(data_dir: str | None, goals: str | None) -> list[Dialogue]:
    """The dialogues simulated users take their goals from: a ReDial-format file, else the dev
    part of `crs.catalog.dialogues.redial_train_dev` (never trained or tuned on)."""
    from crs.catalog.dialogues import read_dialogues, redial_train_dev

    if goals is None:
        return redial_train_dev(data_dir)[1]
    ds = read_dialogues(goals).dialogues
    if not ds:
        raise CRSError(f"no dialogues in the goal file {goals}")
    return ds


def load_without(catalog: str, data_dir: str | None, dialogues: Sequence[Dialogue]) -> Catalog:
    """The catalog, learning nothing from `dialogues` (ReDial: no pseudo-user rows, popularity
    counts or review snippets from them)."""
    from crs.catalog import load_catalog

    if catalog != "redial":
        return load_catalog(catalog, data_dir=data_dir)
    return load_catalog(catalog, data_dir=data_dir, exclude_ids=frozenset(d.conversation_id for d in dialogues))


def natural_components(catalog: str, data_dir: str | None, nlu: str = "learned", policy: str = "bayes",
                       policy_path: str | None = None, k: int = 3, sim_seed: int = 0,
                       sim_config: dict[str, object] | None = None, goals: str | None = None,
                       user_model: str = "profile", review_query: bool = False) -> tuple[Agent, NaturalSimulator, Catalog]:
    """(agent, simulated user, catalog) for `crs eval simulate --simulator natural`: goals from
    `goals` (default: the dev part of the ReDial train dialogues), and an agent and a user built
    without them."""
    from simulators.latent import NaturalConfig
    from simulators.natural import build_natural
    from simulators.profile import build_profile
    from simulators.profile_config import ProfileConfig

    if user_model not in USER_MODELS:
        raise CRSError(f"unknown user model {user_model!r}; valid: {', '.join(USER_MODELS)}")
    if catalog != "redial" and user_model == "oracle" and not goals:  # goals drawn from the catalog itself
        from crs.catalog import load_catalog

        cat = load_catalog(catalog, data_dir=data_dir)
        sim: NaturalSimulator = build_natural(cat, data_dir, NaturalConfig.from_dict(sim_config or {}), seed=sim_seed)
        return build_eval_agent(cat, data_dir, nlu, policy, policy_path, k, review_query), sim, cat
    from crs.catalog.crosswalk import on_catalog

    ds = goal_dialogues(data_dir, goals)
    cat = load_without(catalog, data_dir, ds)
    own = on_catalog(ds, cat, data_dir)  # ReDial ids mapped to the catalog's (title and year) where it is not ReDial
    if user_model == "profile":
        sim = build_profile(cat, goals if goals and catalog == "redial" else own,
                            ProfileConfig.from_dict(sim_config or {}), seed=sim_seed, data_dir=data_dir)
    else:
        sim = build_natural(cat, data_dir, NaturalConfig.from_dict(sim_config or {}), seed=sim_seed, goal_dialogues=own)
    return build_eval_agent(cat, data_dir, nlu, policy, policy_path, k, review_query), sim, cat


def leak_sources(agent: Agent, grammar_conversations: Iterable[str] = ()) -> Sources:
    """What the agent (and the simulated user's grammar) learned from, for `crs.eval.leaks.leak_check`."""
    from crs.eval.leaks import Source, Sources, catalog_source
    from crs.nlu.train import shipped_manifest
    from crs.policy.policy import DQNPolicy
    from crs.reviews import ReadOnlyReviews, ReviewStore

    nlu = shipped_manifest().get("sentiment", {}).get("conversations", ())
    src = Sources().with_("catalog", catalog_source(agent.catalog)).with_("nlu", Source(frozenset(nlu)))
    if isinstance(agent.policy, DQNPolicy):  # the dialogues its training users took their goals from
        src = src.with_("policy", Source(agent.policy.trained_on))
    if isinstance(agent.reviews, (ReviewStore, ReadOnlyReviews)):
        src = src.with_("reviews", Source(agent.reviews.origins(), agent.reviews.texts()))
    grammar = frozenset(grammar_conversations)
    return src.with_("grammar", Source(grammar)) if grammar else src


def simulation_leak_check(data_dir: str | None, goals: str | None) -> Callable[[Agent, object], dict[str, object]]:
    """`leak_check(agent, simulator)` for a natural-language run: goal dialogues in the agent's
    sources and in the simulator's mined grammar."""
    from crs.eval.leaks import leak_check
    from simulators.natural import NaturalSimulator

    def check(agent: Agent, sim: object) -> dict[str, object]:
        if agent.catalog.name != "redial":
            return {"goal_dialogues": 0, "total": 0}
        grammar = sim.grammar.conversations if isinstance(sim, NaturalSimulator) else frozenset()
        return leak_check(goal_dialogues(data_dir, goals), leak_sources(agent, grammar))
    return check


def replay_components(catalog: str, data_dir: str | None, dialogues: str, nlu: str = "learned",
                      policy: str = "bayes", policy_path: str | None = None,
                      k: int = 3) -> tuple[Agent, ReplaySimulator, Catalog]:
    """(agent, ReplaySimulator over the dialogue file, catalog) for replayed real dialogues."""
    from crs.catalog import load_catalog
    from simulators.replay import ReplaySimulator, load_replay_dialogues

    cat = load_catalog(catalog, data_dir=data_dir)
    sim = ReplaySimulator(load_replay_dialogues(dialogues, cat), cat)
    return build_eval_agent(cat, data_dir, nlu, policy, policy_path, k), sim, cat


def natural_target(sim: NaturalSimulator) -> str | None:
    """The current episode's target item of a NaturalSimulator (to explain failures)."""
    return sim.state.latents.target if sim.state is not None else None


@dataclass(frozen=True)
class TrainingUsers:
    """Simulated users a chat policy trains against: goals from `goals` (a ReDial-format file, else the
    train part of `redial_train_dev`), grammar mined without them and without `held_out` (the
    dialogues evaluations take their goals from; default the dev part). `__call__(seed)` is one
    simulator per env sharing the mined grammar."""

    first: NaturalSimulator
    user_model: str
    goal_conversations: frozenset[str]
    held_out: frozenset[str] = frozenset()
    """Conversation ids the agent a policy trains in must not learn from either (its catalog is
    built without the goal and the held-out dialogues: no training seeker finds itself in the
    collaborative matrix)."""

    def __call__(self, seed: int) -> NaturalSimulator:
        from simulators.natural import NaturalSimulator
        from simulators.profile import ProfileSimulator

        f = self.first
        if isinstance(f, ProfileSimulator):
            return ProfileSimulator(f.catalog, f.profiles, f.profile_config, seed, grammar=f.grammar, vocab=f.vocab)
        return NaturalSimulator(f.catalog, f.config, seed, grammar=f.grammar, goals=f.goals, vocab=f.vocab)


def training_users(cat: Catalog, data_dir: str | None, user_model: str = "profile", goals: str | None = None,
                   held_out: str | None = None, seed: int = 0, share: float = 1.0) -> TrainingUsers:
    """`TrainingUsers` for `crs train policy --simulator natural` (ReDial dialogues, on the ReDial catalog
    or, ids mapped by title and year, another movie catalog such as the default); `share` < 1
    keeps that random share of the goal dialogues (the rest stay in the agent's collaborative data)."""
    import random

    from crs.catalog.dialogues import read_dialogues, redial_train_dev
    from simulators.natural import build_natural
    from simulators.profile import build_profile

    if user_model not in USER_MODELS:
        raise CRSError(f"unknown user model {user_model!r}; valid: {', '.join(USER_MODELS)}")
    train, dev = redial_train_dev(data_dir)
    ds = read_dialogues(goals).dialogues if goals else train
    held = read_dialogues(held_out).dialogues if held_out else dev
    held_ids = {d.conversation_id for d in held}
    ds = [d for d in ds if d.conversation_id not in held_ids]
    if share < 1.0:
        ds = sorted(random.Random(seed).sample(ds, max(1, int(len(ds) * share))), key=lambda d: d.conversation_id)
    if not ds:
        raise CRSError("no training goal dialogues left once the held-out dialogues are removed")
    from crs.catalog.crosswalk import on_catalog

    ids = frozenset(d.conversation_id for d in ds)
    ds = on_catalog(ds, cat, data_dir)  # ReDial ids mapped to the catalog's where it is not ReDial
    first: NaturalSimulator
    if user_model == "profile":
        first = build_profile(cat, ds, seed=seed, data_dir=data_dir, exclude_ids=held_ids)
    else:
        first = build_natural(cat, data_dir, seed=seed, goal_dialogues=ds, exclude_ids=held_ids)
    return TrainingUsers(first, user_model, ids, frozenset(held_ids))


# --- the policy against the attribute simulator ----------------------------------------------

def policy_episodes(cat: Catalog, data_dir: Path | None, split: Path | None, part: str) -> list[Episode]:
    """Episodes of the attribute simulator: --split FILE, else LastFM*'s train/valid split, else interactions."""
    from simulators.attribute import episodes_from_interactions, load_episodes

    if split is not None:
        return load_episodes(split, cat)
    if cat.name == "lastfm-star":
        name = "review_dict_train.json" if part == "train" else "review_dict_valid.json"
        return load_episodes(Path(cat.meta["root"]) / "UI_Interaction_data" / name, cat)
    return episodes_from_interactions(cat, part)


def training_data(cat: Catalog, data_dir: Path | None, split: Path | None, dev_split: Path | None,
                  seed: int = 0, dev_fraction: float = 0.1, n_train: int = 60_000,
                  n_dev: int = 600) -> TrainingData[Episode]:
    """`crs train policy` episodes (`crs.policy.training_data.training_data`) from the train pairs
    (LastFM* train / --split / catalog interactions); dev: --dev-split, else carved from them."""
    from crs.policy.training_data import training_data as assemble
    from simulators.attribute import load_episodes

    pairs = policy_episodes(cat, data_dir, split, "train")
    dev = load_episodes(dev_split, cat) if dev_split is not None else None
    return assemble(cat, pairs, dev, str(dev_split), seed, dev_fraction, n_train, n_dev)


def attribute_simulator(cat: Catalog, episodes: Sequence[Episode],
                        initiative: float = 0.0) -> Callable[[float, int], AttributeSimulator]:
    """(answer_noise, seed) -> an AttributeSimulator over `episodes`, asking the chat agent's attributes."""
    from crs.dialogue.observe import askable
    from simulators.attribute import AttributeSimConfig, AttributeSimulator

    attributes = askable(cat)

    def make(noise: float, seed: int) -> AttributeSimulator:
        return AttributeSimulator(cat, episodes, AttributeSimConfig(answer_noise=noise, initiative=initiative,
                                                                   seed=seed, attributes=attributes))
    return make


def env_factory(cat: Catalog, episodes: Sequence[Episode], simulator: str = "attribute",
                prior: str = "collaborative", belief: BeliefConfig | None = None, initiative: float = 0.0,
                hold_out: bool = True) -> EnvMaker[AttributeSimulator]:
    """`make(answer_noise, seed, belief=None) -> DialogueEnv` over the chat agent's ask space (a
    checkpoint works in chat: ids agree). With `hold_out` (training) each episode's target is held
    out of its user's history in the collaborative prior."""
    from crs.dialogue.observe import chat_ask_space

    if simulator != "attribute":
        raise CRSError(f"unknown simulator {simulator!r} for the attribute-level policy env; valid: attribute")

    def target_of(sim: AttributeSimulator) -> str | None:
        return sim.episode.target if sim.episode is not None else None

    return EnvMaker(cat, chat_ask_space(cat), attribute_simulator(cat, episodes, initiative), prior, belief,
                    target_of if hold_out else None)


def multi_choice_env_factory(cat: Catalog, episodes: Sequence[Episode], prior: str = "collaborative",
                             belief: BeliefConfig | None = None, choices: int = 2,
                             n_targets: int = 3, seed: int = 0, hold_out: bool = False) -> EnvMaker[MultiChoiceSimulator]:
    """`make(answer_noise, seed, belief=None)` for the multi-choice protocol: multi-interest users
    (`simulators.multichoice`) over `episodes`, questions offering `choices` values of one type
    (`crs.policy.choices`, types derived from the ask space). With `hold_out` (training on pairs
    of the prior's own matrix) every target of the episode is held out of the collaborative prior."""
    from crs.dialogue.observe import askable, chat_ask_space
    from crs.policy.choices import value_types
    from simulators.attribute import AttributeSimConfig
    from simulators.multichoice import MultiChoiceSimulator, multi_interest_episodes

    if choices < 1:
        raise CRSError(f"--choices must be at least 1, got {choices}")
    attributes = askable(cat)
    multi = multi_interest_episodes(cat, episodes, attributes, n_targets, seed)
    space = chat_ask_space(cat)

    def make(noise: float, sim_seed: int) -> MultiChoiceSimulator:
        return MultiChoiceSimulator(cat, multi, AttributeSimConfig(answer_noise=noise, seed=sim_seed, attributes=attributes))
    def targets_of(sim: MultiChoiceSimulator) -> tuple[str, ...] | None:
        return sim.episode.targets if sim.episode is not None else None

    return EnvMaker(cat, space, make, prior, belief, targets_of if hold_out else None, choices=choices,
                    types=value_types(space, seed=seed))


@dataclass(frozen=True)
class AttributeJob:
    """A `crs.eval.attribute.ComponentSource` by name: catalog, split file, policy, simulator settings."""

    catalog: str
    data_dir: str | None
    split: str
    policy: str
    answer_noise: float
    initiative: float
    seed: int
    prior: str | None = None
    """Item prior of the env (default: the policy's own)."""

    def key(self) -> tuple[object, ...]:
        return (self.catalog, self.data_dir, self.split, self.policy, self.prior, self.answer_noise, self.initiative)

    def build(self) -> AttributeComponents:
        from crs.catalog import load_catalog
        from crs.dialogue.observe import askable, chat_ask_space
        from crs.eval.attribute import AttributeComponents
        from crs.policy import load_policy
        from simulators.attribute import AttributeSimConfig, AttributeSimulator, load_episodes

        cat = load_catalog(self.catalog, data_dir=self.data_dir)
        space = chat_ask_space(cat)
        pol = load_policy(cat, self.policy, space=space) if self.policy == "dqn" else load_policy(cat, self.policy)
        attributes, noise, initiative = askable(cat), self.answer_noise, self.initiative

        def simulator(episodes: Sequence[Episode], seed: int) -> AttributeSimulator:
            return AttributeSimulator(cat, episodes, AttributeSimConfig(answer_noise=noise, initiative=initiative,
                                                                       seed=seed, attributes=attributes))
        return AttributeComponents(cat, load_episodes(Path(self.split), cat), space, pol, self.prior or pol.prior,
                                   simulator)
