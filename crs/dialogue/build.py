"""The builder: the one place that wires NLU, tracker, candidate store, policy, ranker, reviews
and generator into an `Agent`, and the copies evaluation and training use.

Building loads artifacts; it does not train them (`crs train ...` builds them, and the shipped
ones are used on a fresh clone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from crs.dialogue.agent import Agent
from crs.dialogue.decide import build_observer, build_policy, resolve_policy
from crs.dialogue.elicit import Elicitor
from crs.dialogue.observe import askable, chat_ask_space
from crs.nlg import Reply, TemplateGenerator
from crs.retrieval.engine import SearchEngine
from crs.store import Store
from crs.types import Catalog


@dataclass(frozen=True)
class AgentConfig:
    """How to build an agent. Unknown keys are errors (`crs.config.from_dict`)."""

    catalog: str = "default"
    """Catalog name: default | redial | lastfm-star | jsonl."""
    data_dir: str | None = None
    """Real-data directory (else $CRS_DATA_DIR, else ../shared/data); only non-default catalogs need it."""
    path: str | None = None
    """Catalog file for catalog=jsonl."""
    nlu: str = "learned"
    """learned (ReDial sentiment + IARD intent models when a data dir exists) | rules (VADER + keywords, faster)."""
    policy: str = "learned"
    """A name of `crs.dialogue.decide.POLICIES`: learned (the chat-trained DQN where the catalog has a
    checkpoint, else bayes with a notice) | dqn-natural | bayes | rules (hand-set baselines) | dqn
    (trained on the attribute simulator) | ..."""
    store: str | None = None
    """SQLite file for users, sessions, turns, feedback and chat reviews (None: cache_dir()/chat.db)."""
    llm: str = "none"
    """none | smollm2 | openai:URL[#model] (`crs.llm.build_llm`): paraphrase with a title grounding check."""
    k: int = 3
    """Recommendations per turn."""
    noun: str = "movie"
    strict: bool = False
    """Re-raise component errors instead of answering with an apology (tests)."""
    review_query: bool = False
    """Enrich the ranking query with aligned reviews of the liked films (RevCore); off by default:
    measured without a gain (docs/EVALUATION.md, "Review-enriched queries and recency weights")."""


def build_agent(config: AgentConfig | None = None, catalog: Catalog | None = None, store: Store | None = None,
                engine: SearchEngine | None = None) -> Agent:
    """Wire an agent from `config`. `catalog` / `store` / `engine` may be passed in to share them
    (tests, the Gradio app, the synthetic benchmark); otherwise they are loaded or built."""
    from crs.catalog import load_catalog
    from crs.config import cache_dir
    from crs.config import data_dir as resolve_data_dir
    from crs.nlu import build_nlu
    from crs.ranking import build_ranker
    from crs.retrieval import CandidateStore, build_engine
    from crs.reviews import build_reviews
    from crs.store import StoreHistory

    cfg = config or AgentConfig()
    cat = catalog or load_catalog(cfg.catalog, data_dir=cfg.data_dir, path=cfg.path)
    st = store or Store(cfg.store or cache_dir() / "chat.db")
    engine = engine or build_engine(cat, progress=False)
    ranker = build_ranker(cat, engine=engine, history=StoreHistory(st))
    reviews = build_reviews(cat, resolve_data_dir(cfg.data_dir) if cat.name == "redial" else None, store=st)
    paraphrase: Callable[[Reply], Reply] | None = None
    if cfg.llm != "none":  # "smollm2" or "openai:URL[#model]" (crs.llm)
        from crs.llm import build_llm
        from crs.nlg import Paraphraser

        paraphrase = Paraphraser(build_llm(cfg.llm), cat)
    nlu = build_nlu(cat, data_dir=cfg.data_dir, learned=cfg.nlu == "learned")
    space = chat_ask_space(cat)
    name, notice = resolve_policy(cat, cfg.policy, space)
    policy = build_policy(cat, name, space=space)
    return Agent(cat, nlu, engine, CandidateStore(engine.columns), ranker, policy,
                 build_observer(cat, name, policy, space), reviews, Elicitor.for_catalog(cat, cfg.k),
                 askable(cat), TemplateGenerator(), st, paraphrase, k=cfg.k, noun=cfg.noun, strict=cfg.strict,
                 policy_notice=notice, review_query=cfg.review_query)


def with_policy(agent: Agent, name: str, path: str | Path | None = None) -> Agent:
    """A copy of `agent` with the named policy and the observer it expects (same ask space)."""
    space = chat_ask_space(agent.catalog)
    policy = build_policy(agent.catalog, name, path, space)
    notice = resolve_policy(agent.catalog, name, space)[1] if path is None else ""
    return replace(agent, policy=policy, policy_notice=notice,
                   observer=build_observer(agent.catalog, name if path is None else "dqn", policy, space))


def for_simulation(agent: Agent) -> Agent:
    """A copy fit for simulated users: no store writes and read-only reviews (simulated users
    write no chat opinions), so one episode cannot change another whatever the order or backend."""
    return replace(agent, store=None, reviews=agent.reviews.read_only())
