"""Seeker turns as chat messages: the unit a realism comparison is made in.

People in a chat often send one turn as several messages ("hi" / "how are u"; "comedies" / "i like
kristin wigg"). ReDial files differ in the unit they keep: the raw files (and the official test file)
keep every message, 1.5 per seeker turn; the annotated file merges a turn's messages into one. A
simulated user speaks in turns, so against a message-level file each simulated turn is sent as chat
messages, cutting it at a sentence break with the probability that real seekers cut there: measured
on message-level training dialogues (never the evaluated file) as

    rate = message breaks inside seeker turns / (message breaks + sentence breaks inside messages).

The agent still reads the whole turn; only the realism comparison looks at the messages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from crs.catalog.dialogues import Dialogue

SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=\S)")
"""Where a turn may be cut: after sentence punctuation, before the next word."""

UNITS = ("auto", "messages", "turns")


def message_level(dialogues: Iterable[Dialogue]) -> bool:
    """Whether a file keeps chat messages (some seeker turn has two messages in a row) rather than
    turns merged into one message (the annotated ReDial file)."""
    for d in dialogues:
        roles = [m.role for m in d.messages]
        if any(a == b == "seeker" for a, b in pairwise(roles)):
            return True
    return False


@dataclass(frozen=True)
class SplitRate:
    """How often real seekers cut a turn at a sentence break, and what it was measured on."""

    rate: float
    dialogues: int
    turns: int
    messages: int

    @property
    def messages_per_turn(self) -> float:
        return self.messages / self.turns if self.turns else 0.0


def split_rate(dialogues: Sequence[Dialogue]) -> SplitRate:
    """The cut rate of the seeker turns of message-level `dialogues` (see the module docstring)."""
    breaks = inside = turns = messages = 0
    for d in dialogues:
        run = 0
        for m in (*d.messages, None):
            if m is not None and m.role == "seeker":
                run += 1
                messages += 1
                inside += len(SENTENCE_BREAK.findall(m.text.strip()))
                continue
            if run:
                turns += 1
                breaks += run - 1
            run = 0
    total = breaks + inside
    return SplitRate(breaks / total if total else 0.0, len(dialogues), turns, messages)


def to_messages(text: str, rate: float, rng: random.Random) -> list[str]:
    """`text` cut into chat messages: each sentence break becomes a message break with probability `rate`."""
    parts = SENTENCE_BREAK.split(text.strip())
    out = [parts[0]]
    for part in parts[1:]:
        if rng.random() < rate:
            out.append(part)
        else:
            out[-1] = f"{out[-1]} {part}"
    return [p for p in out if p.strip()]
