"""The dialogue manager: `Agent.step(state, text) -> (state, TurnReply)`.

One turn, one stage per module of this package:

    read (read.py) → track (track.py) → candidates (candidates.py) → observe (observe.py)
      (+ signals.py) → decide (decide.py: the policy, then the user's initiative) → reply (reply.py) → store

`understand` is the first half (up to the policy's observation), `respond` the second (from the
policy's choice); `step` runs both with the agent's own policy, and the chat environment
(`crs.dialogue.chat_env`) lets a learning policy choose in between. Every title in a reply is a
catalog item returned by the ranker over the retrieval engine's columns; nothing is invented.

The `Agent` is a frozen dataclass of Protocol-typed parts, wired by `crs.dialogue.build`.
Evaluation, training and the front ends swap a part with `dataclasses.replace`; per-session state
is the immutable `DialogueState` passed in and returned.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from crs.dialogue.candidates import (
    Shortlist,
    candidate_mask,
    combine,
    constraint_masks,
    hard_constraints,
    newly_relaxed,
    relax_notice,
    shortlist,
)
from crs.dialogue.decide import decide, label_of
from crs.dialogue.elicit import Elicitor
from crs.dialogue.observe import Observer, ValueCounter, ValueCounts, value_counts
from crs.dialogue.read import Reading, clean_text, read
from crs.dialogue.reply import TurnReply, render_context, turn_payload
from crs.dialogue.signals import turn_signals
from crs.dialogue.track import record_system, update
from crs.errors import CRSError
from crs.nlg import Reply, TemplateGenerator
from crs.nlu.entities import same_title_items
from crs.policy.observation import PolicyObservation
from crs.protocols import NLU, Policy, Ranker, Reviews
from crs.retrieval.engine import SearchEngine
from crs.retrieval.store import CandidateStore
from crs.reviews import is_opinion
from crs.store import Store
from crs.types import Action, Catalog, Constraint, DialogueState

log = logging.getLogger(__name__)

MIN_OPINION_WORDS = 4
"""Shorter messages are not kept as chat opinions about the items they name."""


@dataclass(frozen=True, eq=False)
class PendingTurn:
    """A user turn understood but not yet answered (`Agent.understand` → policy → `Agent.respond`)."""

    before: DialogueState
    state: DialogueState
    reading: Reading
    handle: str
    n_candidates: int
    rec_ids: tuple[str, ...]
    counts: ValueCounts
    notices: tuple[str, ...]
    obs: PolicyObservation


@dataclass(frozen=True, eq=False)
class Agent:
    """Implements `crs.protocols.Agent`. Read-only shared parts; state is per call."""

    catalog: Catalog
    nlu: NLU
    engine: SearchEngine
    candidates: CandidateStore
    ranker: Ranker
    policy: Policy
    observer: Observer
    """Builds the policy's `PolicyObservation` (`crs.dialogue.observe`: candidate proxy or belief)."""
    reviews: Reviews
    elicitor: Elicitor
    """The open-question attributes the policy may ask about, and how answers are read (`crs.dialogue.elicit`)."""
    askable: tuple[str, ...]
    """Attributes whose value counts summarise the candidate set (`crs.dialogue.observe.askable`)."""
    generator: TemplateGenerator
    store: Store | None = None
    paraphrase: Callable[[Reply], Reply] | None = None
    k: int = 3
    noun: str = "movie"
    strict: bool = False
    """Re-raise component errors instead of answering with an apology (tests)."""
    max_chars: int = 2000
    policy_notice: str = ""
    """Shown with the first reply of a session when the default policy fell back to a rule."""
    review_query: bool = False
    """Enrich the ranking query with aligned reviews of the liked films (`AgentConfig.review_query`)."""
    counter: ValueCounter = field(default_factory=ValueCounter, compare=False)
    """Value counts of the candidate set, memoised per constraint set (shared by `replace` copies)."""

    # --- sessions -------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Run one throwaway turn (no store) so lazy models load before the first user arrives, and
        build the same-title groups the first named film needs (~15 s at 1M items)."""
        replace(self, store=None).step(DialogueState(session_id="warm-up", user_id="warm-up"),
                                       "something fun and exciting")
        self.engine.encode_query("something fun and exciting")  # the query graph, when the catalog's words differ
        same_title_items(self.catalog, ())

    def new_session(self, user_id: str = "") -> DialogueState:
        if self.store is not None:
            return self.store.new_session(user_id, self.catalog.name)
        return DialogueState(session_id=uuid.uuid4().hex, user_id=user_id or "anonymous")

    def resume(self, session_id: str) -> DialogueState:
        if self.store is None:
            raise CRSError("this agent has no store: sessions cannot be resumed")
        return self.store.load_state(session_id)

    def feedback(self, state: DialogueState, item_id: str, value: int) -> None:
        """Thumbs up/down on a card: stored as feedback (and as a chat opinion for reviews)."""
        if self.store is not None and item_id in self.catalog:
            self.store.add_feedback(state.session_id, state.user_id, item_id, value)

    # --- one turn -------------------------------------------------------------------------
    def step(self, state: DialogueState, text: object) -> tuple[DialogueState, TurnReply]:
        clean, notices = clean_text(text, self.max_chars)
        if self.policy_notice and state.turn == 0:
            notices = (self.policy_notice, *notices)
        try:
            pending = self.understand(state, clean, notices)
            new_state, reply = self.respond(pending, self.policy.choose(pending.obs))
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

    def understand(self, state: DialogueState, text: str, notices: tuple[str, ...] = ()) -> PendingTurn:
        """First half of a turn (no policy yet): read, track, candidates, ranking, the policy's observation."""
        reading = read(text, state, self.nlu, self.catalog, self.elicitor)
        new = update(state, reading.parsed)
        self._record_opinions(new, reading)
        mask, relaxed = self.candidate_mask(new)
        handle = self._handle(state, new, mask)
        n_cand = int(mask.sum())
        short = shortlist(self.catalog, self.engine, self.ranker, self.reviews, new, mask, self.k,
                          relaxed, self.review_query) if n_cand else Shortlist()
        rec_ids = short.ids
        fresh = newly_relaxed(self.catalog, self.engine, state, relaxed, self.k)
        notices += (relax_notice(fresh, self.noun),) if fresh else ()
        counts = self._counts(new, mask, relaxed)
        signals = turn_signals(state, new, reading, short, self.catalog, self.elicitor, self.k)
        opens = tuple((a, self.elicitor.cover(a), self.elicitor.is_people(a)) for a in self.elicitor.open_units(new))
        obs = self.observer(new, mask, counts, rec_ids, tuple(relaxed), signals, opens)
        return PendingTurn(state, new, reading, handle, n_cand, rec_ids, counts, notices, obs)

    def respond(self, p: PendingTurn, choice: Action) -> tuple[DialogueState, TurnReply]:
        """Second half: the user's initiative overrides `choice`, then reply, record, drop the old handle."""
        new, state = p.state, p.before
        action = decide(choice, p.reading, p.rec_ids, new, self.catalog)
        ctx = render_context(self.catalog, self.reviews, new, p.reading, action, p.counts, self.noun)
        reply = self.generator.render(action, new, ctx)
        if self.paraphrase is not None and reply.cards:
            reply = self.paraphrase(reply)
        new = record_system(replace(new, candidate_handle=p.handle), action)
        if state.candidate_handle and state.candidate_handle != p.handle and state.candidate_handle in self.candidates:
            self.candidates.drop(state.candidate_handle)
        return new, TurnReply(**vars(reply), candidates=p.n_candidates, alternatives=action.alternatives,
                              notices=p.notices + tuple(p.reading.parsed.notices),
                              policy=self.policy.name, q_values=tuple(choice.alternatives),
                              follow_up=label_of(action.follow) if action.follow is not None else "")

    def _counts(self, state: DialogueState, mask: np.ndarray, relaxed: tuple[Constraint, ...]) -> ValueCounts:
        """`value_counts` of `mask` (= the kept constraints' rows less the rejected ones, `candidate_mask`)."""
        cons = tuple(hard_constraints(state.constraints))
        if len(set(cons)) != len(cons):  # a repeated constraint: relaxation by position, count directly
            return value_counts(self.engine.columns, self.askable, mask)
        kept = tuple(c for c in cons if c not in relaxed)
        removed = np.asarray(sorted({self.catalog.row(i) for i in state.rejected if i in self.catalog}), dtype=np.int64)
        return self.counter(self.engine.columns, self.askable, kept,
                            lambda: combine(kept, constraint_masks(self.engine, kept), len(self.catalog)), removed)

    def candidate_mask(self, state: DialogueState) -> tuple[np.ndarray, tuple[Constraint, ...]]:
        """The candidate mask and the relaxed constraints for `state` (`crs.dialogue.candidates`)."""
        return candidate_mask(self.catalog, self.engine, state, self.k)

    # --- pieces ---------------------------------------------------------------------------
    def _record_opinions(self, state: DialogueState, reading: Reading) -> None:
        if len(reading.text.split()) < MIN_OPINION_WORDS or not is_opinion(reading.text):
            return  # "thanks, that looks great", "something like Jaws but newer": nothing to quote to others
        for m in reading.parsed.mentions:
            if m.kind == "item" and m.polarity and m.entity in self.catalog:
                self.reviews.add_opinion(m.entity, reading.text, m.polarity, state.user_id, state.session_id)

    def _handle(self, old: DialogueState, new: DialogueState, mask: np.ndarray) -> str:
        """The candidate-set handle: the previous one while constraints and rejections are unchanged."""
        same = old.constraints == new.constraints and old.rejected == new.rejected
        if same and old.candidate_handle and old.candidate_handle in self.candidates:
            return old.candidate_handle
        return self.candidates.create(np.flatnonzero(mask))
