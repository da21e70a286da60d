"""The dialogue manager: `Agent.step(state, text) -> (state, Reply)` and `build_agent(config)`.

One turn: clean the text → NLU parse → (resolve a yes/no answer to the last question) → tracker
`update` → chat opinions into the review store → hard-constraint candidate set (candidate store
handle) → ranker top-k, re-ordered with review evidence → policy observation → the policy's
ask / recommend / wait, overridden only by the user's initiative (an explicit request or a
rejection → recommend, a question about an item → answer, a thank-you for a pick → wait) →
template generator (optional LLM paraphrase with a grounding check) → tracker `record_system` →
store. Every title in a reply is a catalog item returned by the ranker over the retrieval
engine's columns; nothing is invented.

`build_agent(config)` is the only place that wires components.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from crs.agent_elicit import Elicitor
from crs.agent_filter import drop_vague_years, relax_notice, relaxed_mask, soft_boost, soft_constraints
from crs.agent_observe import PendingTurn, askable, build_observer, build_policy, chat_ask_space, value_counts
from crs.agent_turn import TurnReply, clean_text, label_of, last_top, turn_payload
from crs.nlg import RenderContext, Reply, TemplateGenerator
from crs.nlg.questions import question_attribute
from crs.ranking.shortlist import SHORTLIST_MIN, shortlist
from crs.retrieval.text import tokenize
from crs.reviews import Opinion, ReviewStore, find_aspects, read_opinion
from crs.store import Store
from crs.tracker import intent_kind, liked_items, record_system, update
from crs.types import Action, Catalog, Constraint, DialogueState, Mention, ParsedTurn, Speaker

log = logging.getLogger(__name__)

_GREET = re.compile(r"^\s*(hi+|hello|hey+|hiya|howdy|good (morning|afternoon|evening)|greetings|yo)\b", re.IGNORECASE)
_REQUEST = re.compile(r"\b(give|show|suggest|recommend|find|pick)\b.*\b(me|something|anything|one|movies?|films?)\b|"
                      r"\bsurprise me\b|\bwhat should i watch\b|\bjust (give|pick|recommend)\b|\bany (ideas|suggestions)\b|"
                      r"\bsomething else\b|\banother one\b", re.IGNORECASE)
_YES = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok(ay)?|definitely|of course|absolutely|sounds good|why not)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(no|nope|nah|not really|not at all|never)\b", re.IGNORECASE)
_REJECT = re.compile(r"^\s*(no|nope|nah|not (that|this)( one)?|seen it|already seen|something else|another one|"
                     r"i don'?t like (that|it)|not for me|boring)\b", re.IGNORECASE)
_ACCEPT = re.compile(r"^\s*(thanks?|thank you|great|perfect|awesome|sounds (good|great)|i'?ll (watch|check)|"
                     r"love it|that works|yes)\b", re.IGNORECASE)


class Agent:
    """Implements `crs.protocols.Agent`. Holds shared read-only components; state is per call."""

    def __init__(self, catalog: Catalog, nlu: Any, engine: Any, candidates: Any, ranker: Any, policy: Any,
                 reviews: ReviewStore, generator: TemplateGenerator | None = None, store: Store | None = None,
                 paraphrase: Callable[[Reply], Reply] | None = None, k: int = 3, noun: str = "movie",
                 strict: bool = False, max_chars: int = 2000, observer: Any = None) -> None:
        self.catalog, self.nlu, self.engine, self.candidates = catalog, nlu, engine, candidates
        self.ranker, self.policy, self.reviews = ranker, policy, reviews
        self.generator = generator or TemplateGenerator()
        self.store, self.paraphrase, self.k, self.noun = store, paraphrase, k, noun
        self.strict, self.max_chars = strict, max_chars
        self._askable = askable(catalog)
        self.elicit = Elicitor.for_catalog(catalog, k)
        """Open questions about people while the candidate set is large (`crs.agent_elicit`)."""
        self.observer = observer or build_observer(catalog, "bayes", policy)
        """Builds the policy's `PolicyObservation` (`crs.agent_observe`: candidate proxy or belief)."""

    # --- sessions -------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Run one throwaway turn (no store) so lazy models load before the first user arrives."""
        store, self.store = self.store, None
        try:
            self.step(DialogueState(session_id="warm-up", user_id="warm-up"), "something fun and exciting")
        finally:
            self.store = store

    def new_session(self, user_id: str = "") -> DialogueState:
        if self.store is not None:
            return self.store.new_session(user_id, self.catalog.name)
        import uuid

        return DialogueState(session_id=uuid.uuid4().hex, user_id=user_id or "anonymous")

    def resume(self, session_id: str) -> DialogueState:
        if self.store is None:
            from crs.errors import CRSError

            raise CRSError("this agent has no store: sessions cannot be resumed")
        return self.store.load_state(session_id)

    def feedback(self, state: DialogueState, item_id: str, value: int) -> None:
        """Thumbs up/down on a card: stored as feedback (and as a chat opinion for reviews)."""
        if self.store is not None and item_id in self.catalog:
            self.store.add_feedback(state.session_id, state.user_id, item_id, value)

    # --- one turn -------------------------------------------------------------------------
    def step(self, state: DialogueState, text: str) -> tuple[DialogueState, TurnReply]:
        clean, notices = clean_text(text, self.max_chars)
        try:
            new_state, reply = self._step(state, clean, notices)
        except Exception:
            if self.strict:
                raise
            log.exception("turn failed; answering without losing the session")
            new_state = replace(state, turn=state.turn + 1)
            reply = TurnReply("Sorry, I got confused there. Could you say that another way?", "wait",
                              ("transparency",), notices=notices)
        if self.store is not None:
            self.store.save_turn(new_state, clean, reply.text, reply.action, turn_payload(reply, new_state))
        return new_state, reply

    def _step(self, state: DialogueState, text: str, notices: tuple[str, ...]) -> tuple[DialogueState, TurnReply]:
        pending = self.understand(state, text, notices)
        return self.respond(pending, self.policy.choose(pending.obs))

    def understand(self, state: DialogueState, text: str, notices: tuple[str, ...] = ()) -> PendingTurn:
        """First half of a turn (no policy yet): parse, track, candidates, ranking, the policy's
        observation. `crs.policy.chat_env` lets an RL policy choose between the two halves."""
        parsed = self._parse(text, state)
        intent = self._intent(text, parsed, state)
        new = update(state, parsed)
        self._record_opinions(new, parsed, text)
        mask, relaxed = self.candidate_mask(new)
        handle = self._handle(state, new, mask)
        n_cand = int(mask.sum())
        rec_ids = self._recommend_ids(new, mask, soft_constraints(new.constraints, relaxed), relaxed) if n_cand else ()
        fresh = self._newly_relaxed(state, relaxed)  # a relaxation is announced once, not on every later turn
        notices += (relax_notice(fresh, self.noun),) if fresh else ()
        counts = value_counts(self.engine.columns, self._askable, mask)
        obs = self.observer(new, mask, counts, rec_ids, tuple(relaxed))
        return PendingTurn(state, new, parsed, intent, text, handle, n_cand, rec_ids, counts, notices, obs)

    def respond(self, p: PendingTurn, choice: Action) -> tuple[DialogueState, TurnReply]:
        """Second half: the user's initiative overrides `choice`, then reply, record, drop the old handle."""
        new, state = p.state, p.before
        action = self.elicit(self._override(choice, p.intent, p.rec_ids, new), p.intent, new, p.n_candidates)
        ctx = self._context(new, p.parsed, p.intent, action, p.text, p.counts)
        reply = self.generator.render(action, new, ctx)
        if self.paraphrase is not None and reply.cards:
            reply = self.paraphrase(reply)
        new = record_system(replace(new, candidate_handle=p.handle), action)
        if state.candidate_handle and state.candidate_handle != p.handle and state.candidate_handle in self.candidates:
            self.candidates.drop(state.candidate_handle)
        return new, TurnReply(**vars(reply), candidates=p.n_candidates, alternatives=action.alternatives,
                              notices=p.notices + tuple(p.parsed.notices))

    # --- pieces ---------------------------------------------------------------------------
    def _parse(self, text: str, state: DialogueState) -> ParsedTurn:
        parsed = drop_vague_years(self.nlu.parse(text, state), text) if text else ParsedTurn(text="", intent="empty")
        parsed = self.elicit.reattribute(parsed, state.last_action)
        last = state.last_action
        if last is not None and last.kind == "ask" and last.attribute and "=" in last.attribute \
                and not parsed.add and not parsed.remove and _short_answer(text, parsed):
            name, value = last.attribute.split("=", 1)
            if _YES.search(text):
                parsed = replace(parsed, intent="inform", add=(Constraint(name, "include", value),))
            elif _NO.search(text):
                parsed = replace(parsed, intent="inform", add=(Constraint(name, "exclude", value),))
        elif last is not None and last.kind in ("recommend", "answer") and intent_kind(parsed.intent) is None \
                and not parsed.add and len(text.split()) <= 8:  # a reaction to the item on the table
            reaction = "reject" if _REJECT.search(text) else "accept" if _ACCEPT.search(text) else None
            target = last_top(state)
            if reaction and target:
                named = any(m.kind == "item" for m in parsed.mentions)
                extra = () if named else (Mention(target, "item", state.turn + 1, Speaker.USER,
                                                  -1 if reaction == "reject" else 1, text=text),)
                parsed = replace(parsed, intent=reaction, mentions=tuple(parsed.mentions) + extra)
        return parsed

    def _intent(self, text: str, parsed: ParsedTurn, state: DialogueState) -> str:
        """greet | question | request | accept | reject | off_topic | chitchat | inform | empty.

        Built on the NLU's intent (IARD taxonomy: ask_rec, add_details, accept, reject, critique,
        seen, ask_about_item, neutral, chitchat, other) with a few surface cues for the turns the
        agent must route itself (greetings, "just give me something", questions about an item)."""
        if not text:
            return "empty"
        name = (parsed.intent or "").lower()
        kind = intent_kind(name)
        last_rec = state.last_action is not None and state.last_action.kind in ("recommend", "answer")
        if kind and last_rec:
            return kind
        has_item = bool(parsed.mentions) or bool(state.recommended)
        answered = state.last_action is not None and state.last_action.kind == "ask" and bool(parsed.add)
        if has_item and not answered and (question_attribute(text, self.catalog.schema) or name == "ask_about_item"):
            return "question"  # (a reply to our question that names what the user wants is an answer)
        informative = parsed.mentions or parsed.add or parsed.remove or parsed.preferences or parsed.critique
        if _REQUEST.search(text) or (name == "ask_rec" and not informative):
            return "request"
        if informative or find_aspects(text):
            return "inform"
        if _GREET.search(text):
            return "greet"
        if name in ("chitchat", "other", "unknown", "neutral", ""):
            return "off_topic" if len(text.split()) >= 3 and not _YES.search(text) else "chitchat"
        return "inform"

    def _record_opinions(self, state: DialogueState, parsed: ParsedTurn, text: str) -> None:
        if len(text.split()) < 4:
            return
        for m in parsed.mentions:
            if m.kind == "item" and m.polarity and m.entity in self.catalog:
                self.reviews.add_opinion(m.entity, text, m.polarity, state.user_id, state.session_id)

    def _handle(self, old: DialogueState, new: DialogueState, mask: np.ndarray) -> str:
        """The candidate-set handle: the previous one while constraints and rejections are unchanged."""
        same = old.constraints == new.constraints and old.rejected == new.rejected
        if same and old.candidate_handle and old.candidate_handle in self.candidates:
            return old.candidate_handle
        return self.candidates.create(np.flatnonzero(mask))

    def candidate_mask(self, state: DialogueState) -> tuple[np.ndarray, tuple[Constraint, ...]]:
        """Candidates (`crs.agent_filter`: includes of one attribute OR-ed, relaxed oldest first when
        fewer than `MIN_CANDIDATES` remain) minus rejected items, and the relaxed constraints."""
        base = np.ones(len(self.catalog), dtype=bool)
        base[[self.catalog.row(i) for i in state.rejected if i in self.catalog]] = False
        return relaxed_mask(self.engine, len(self.catalog), state.constraints, base, max(self.k, MIN_CANDIDATES))

    def _newly_relaxed(self, before: DialogueState, relaxed: tuple[Constraint, ...]) -> tuple[Constraint, ...]:
        """The relaxed constraints that were not already relaxed before this turn."""
        if not relaxed or not before.constraints:
            return tuple(relaxed)
        already = set(self.candidate_mask(before)[1])
        return tuple(c for c in relaxed if c not in already)

    def _opinion(self, state: DialogueState, text: str) -> Opinion:
        op = read_opinion(" ".join((*state.preferences[-3:], text)))
        return Opinion(1, op.aspects)  # recommended items are explained with positive, aspect-aligned snippets

    def _recommend_ids(self, state: DialogueState, mask: np.ndarray, soft: tuple[Constraint, ...] = (),
                       relaxed: tuple[Constraint, ...] = ()) -> tuple[str, ...]:
        """Top-k allowed, not yet discussed items by the ranker's fused score (`Ranker.score`), then
        re-ordered with review evidence. Constraints are already in `mask` (columnar filters)."""
        seen = {m.entity for m in state.mentions if m.kind == "item"} | set(state.recommended)
        allow = mask.copy()
        allow[[self.catalog.row(i) for i in seen if i in self.catalog]] = False
        rstate = self._ranking_state(state)
        if np.count_nonzero(allow) >= SHORTLIST_MIN:  # very large catalogs: score what the indexes retrieve
            rows = shortlist(self.ranker, self.engine, rstate, allow)  # (crs.ranking.shortlist)
        else:
            rows = np.flatnonzero(allow)
        if len(rows) == 0:
            return ()
        scores = np.asarray(self.ranker.score(rstate, rows), dtype=np.float32)
        scores = scores + SOFT_WEIGHT * soft_boost(self.engine, soft, rows)  # items meeting more includes first
        kept = tuple(c for c in relaxed if c.op != "exclude")  # the few exact matches of a relaxed wish come first
        scores = scores + RELAXED_WEIGHT * soft_boost(self.engine, kept, rows) if kept else scores
        n = min(self.k * 4, len(rows))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = [self.catalog.items[int(rows[i])].id for i in top]
        opinion = self._opinion(state, " ".join(state.preferences[-1:]))
        evidence = np.asarray(self.reviews.evidence(ids, opinion), dtype=np.float32)
        order = np.argsort(-(scores[top] + REVIEW_WEIGHT * evidence), kind="stable")
        return tuple(ids[i] for i in order[: self.k])

    def _ranking_state(self, state: DialogueState) -> DialogueState:
        """The state the ranker scores: constraints removed (already in the mask) and preference
        phrases (cut to `MAX_PREF_CHARS`) kept only if at least half of their words (3+ letters) are
        in the catalog's vocabulary: gibberish has nothing to retrieve and would cost an encoding."""
        return replace(state, constraints=(), preferences=tuple(
            p[:MAX_PREF_CHARS] for p in state.preferences if self._meaningful(p[:MAX_PREF_CHARS])))

    def _meaningful(self, phrase: str) -> bool:
        vocab = getattr(getattr(self.engine, "lexical", None), "term_id", None)
        if vocab is None:
            return True
        words = [t for t in tokenize(phrase) if len(t) >= 3]
        return bool(words) and sum(t in vocab for t in words) * 2 >= len(words)

    def _answer_target(self, state: DialogueState) -> str | None:
        """The item a question is about: one the user named this turn, else the one on the table."""
        named = [m.entity for m in state.mentions if m.kind == "item" and m.turn == state.turn
                 and m.speaker is Speaker.USER and m.entity in self.catalog]
        return named[-1] if named else last_top(state)

    def _override(self, action: Action, intent: str, rec_ids: tuple[str, ...], state: DialogueState) -> Action:
        """The user's initiative wins over the policy (documented in docs/agent.md)."""
        if intent == "question":
            target = self._answer_target(state)
            return Action("answer", items=(target,) if target else (), score=1.0,
                          alternatives=((f"policy: {action.kind}", action.score),))
        if intent in ("request", "reject") and action.kind != "recommend":
            return Action("recommend", items=rec_ids, score=1.0,
                          alternatives=((f"policy: {label_of(action)}", action.score), *action.alternatives[:2]))
        if intent == "accept":
            return Action("wait", score=1.0, alternatives=((f"policy: {label_of(action)}", action.score),))
        if action.kind == "recommend" and tuple(action.items) != rec_ids and rec_ids:
            return replace(action, items=rec_ids)  # same ranking the cards show, review evidence included
        return action

    def _context(self, state: DialogueState, parsed: ParsedTurn, intent: str, action: Action, text: str,
                 attributes: Any) -> RenderContext:
        snippets = {}
        if action.kind == "recommend" and action.items:
            opinion = self._opinion(state, text)
            for i in action.items:
                best = self.reviews.retrieve(i, opinion, k=1)
                if best:
                    snippets[i] = best[0]
        answer_item = None
        if action.kind == "answer":
            answer_item = action.items[0] if action.items else None
        options: tuple[str, ...] = ()
        if action.kind == "ask" and action.attribute and "=" not in action.attribute:
            options = tuple(str(v) for v, _ in attributes.get(action.attribute, [])[:3])
        return RenderContext(
            catalog=self.catalog, noun=self.noun, intent=intent, snippets=snippets,
            liked=tuple(liked_items(state)), options=options, answer_item=answer_item,
            answer_attribute=question_attribute(text, self.catalog.schema) if action.kind == "answer" else None,
            suggestions=tuple(parsed.suggestions), changes=tuple(parsed.add), removed=tuple(parsed.remove))


def _short_answer(text: str, parsed: ParsedTurn) -> bool:
    """A reply that can be a yes/no to the last value question: short and naming no item ("Yes!",
    "sure, why not"). "Definitely! I loved Up" answers with a movie, not about the asked value."""
    return len(text.split()) <= YES_NO_WORDS and not any(m.kind == "item" for m in parsed.mentions)


MAX_PREF_CHARS = 100
"""Preference phrases are cut to this length before the ranker encodes them."""
SOFT_WEIGHT = 2.0
"""Added to the fused z-score per soft constraint (include, relaxed range) an item satisfies."""
RELAXED_WEIGHT = 10.0
"""Added per relaxed include/range an item satisfies: the few items that meet a relaxed wish ("a Rich
Moore film": 3 in the catalog) are shown before the ones that only come close."""
YES_NO_WORDS = 8
"""Longest reply still read as a yes/no to a value question ("in the mood for some drama?")."""
MIN_CANDIDATES = 5
"""Constraints are relaxed (oldest first) when fewer candidates than this (or k) remain."""
REVIEW_WEIGHT = 0.05
"""Weight of review evidence (aligned snippets) added to the ranker's fused z-scores: a tie-breaker."""


# --- wiring -----------------------------------------------------------------------------------


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
    policy: str = "bayes"
    """bayes | rules (chat-tuned rule policies) | dqn (trained on the attribute simulator) | dqn-natural
    (trained through the chat agent on the NL simulator) | any other `crs.policy.load_policy` name."""
    store: str | None = None
    """SQLite file for users, sessions, turns, feedback and chat reviews (None: cache_dir()/chat.db)."""
    llm: str = "none"
    """none | smollm2 | openai:URL[#model] (`crs.llm.build_llm`): paraphrase with a title grounding check."""
    k: int = 3
    """Recommendations per turn."""
    noun: str = "movie"
    strict: bool = False
    """Re-raise component errors instead of answering with an apology (tests)."""


def build_agent(config: AgentConfig | None = None, catalog: Catalog | None = None, store: Store | None = None,
                engine: Any = None) -> Agent:
    """The one place that wires NLU, tracker, candidate store, policy, ranker, reviews and generator.

    `catalog` / `store` / `engine` may be passed in to share them (tests, the Gradio app, the
    synthetic benchmark); otherwise they are loaded or built from `config`."""
    from crs.catalog import load_catalog
    from crs.config import cache_dir
    from crs.config import data_dir as resolve_data_dir
    from crs.nlu import build_nlu  # INTEGRATION POINT: crs.nlu (owned by the NLU engineer)
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
    paraphrase = None
    if cfg.llm != "none":  # "smollm2" or "openai:URL[#model]" (crs.llm)
        from crs.llm import build_llm
        from crs.nlg import Paraphraser

        paraphrase = Paraphraser(build_llm(cfg.llm), cat)
    nlu = build_nlu(cat, data_dir=cfg.data_dir, learned=cfg.nlu == "learned")
    space = chat_ask_space(cat)
    policy = build_policy(cat, cfg.policy, space=space)
    return Agent(cat, nlu, engine, CandidateStore(engine.columns), ranker, policy, reviews, TemplateGenerator(), st,
                 paraphrase, k=cfg.k, noun=cfg.noun, strict=cfg.strict,
                 observer=build_observer(cat, cfg.policy, policy, space))
