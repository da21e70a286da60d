"""Phrase banks for INSPIRED's sociable strategies (Hayati et al., EMNLP 2020).

The phrasing follows what recommenders actually wrote in INSPIRED's dev dialogues for each
expert label (e.g. encouragement "I believe you would enjoy the movie.", experience inquiry
"What was the last movie you watched?", offer help "I am here to help you find a movie you'd
enjoy."), rewritten as slot templates. `{noun}` is the catalog's item noun ("movie"); every
other slot is filled from the catalog, the dialogue state or a retrieved review.
`pick` chooses a variant deterministically from a seed, so a session replays identically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

BANK: dict[str, tuple[str, ...]] = {
    "offer_help": (
        "Hi! I'm here to help you find a {noun} you'd enjoy.",
        "Hello! I can help you pick a {noun} for tonight.",
        "Hey there! Let's find you a great {noun}.",
    ),
    "opinion_inquiry": (
        "What kind of {noun}s are you in the mood for?",
        "What's your all-time favourite {noun}?",
        "Tell me a bit about what you like to watch.",
    ),
    "experience_inquiry": (
        "Have you seen it?",
        "Have you watched it already?",
        "Does that one ring a bell?",
    ),
    "clarify_contradiction": (
        "You asked for {value} and also for no {value}. Which is it: should it be {value} or not?",
        "I'm not sure I follow: {value}, or no {value}? Tell me which and I'll look.",
    ),
    "clarify_reference": (
        "Which one do you mean? I haven't shown you any {noun}s yet; tell me a title or what you're in the mood for.",
        "I haven't suggested any {noun}s yet, so I'm not sure which one you mean. What are you in the mood for?",
    ),
    "experience_inquiry_open": (
        "What was the last {noun} you watched and enjoyed?",
        "Is there a {noun} you loved recently?",
    ),
    "ask_attribute": (
        "Which {label} do you prefer? For example {options}.",
        "Do you have a {label} in mind, like {options}?",
        "What about the {label}: {options}, or something else?",
    ),
    "ask_attribute_open": (
        "Do you have a preference for the {label}?",
        "Any particular {label} you'd like?",
    ),
    "preference_confirmation": (
        "So you're looking for {prefs}.",
        "Got it: {prefs}.",
        "Okay, {prefs} it is.",
    ),
    "acknowledgment": (
        "Got it.",
        "Sounds good!",
        "Perfect.",
        "Okay, noted.",
    ),
    "recommend_one": (
        "How about {title}?",
        "I think you'd like {title}.",
        "You should check out {title}.",
        "My pick for you is {title}.",
    ),
    "personal_opinion": (
        "It's a really good one.",
        "I think it's a great pick.",
        "It's one of my favourites.",
    ),
    "encouragement": (
        "I believe you would enjoy it.",
        "I highly recommend it.",
        "Go ahead and give it a try!",
    ),
    "encouragement_modest": (
        "It may be worth a look.",
        "Maybe give it a try.",
    ),
    "similarity": (
        "Since you liked {liked}, {reason}.",
        "If you enjoyed {liked}, you'll probably like this too: {reason}.",
    ),
    "credibility_rating": (
        "It's rated {rating} on IMDb from {votes} votes.",
        "Viewers give it {rating} on IMDb ({votes} votes).",
    ),
    "credibility_review": (
        "One viewer said: “{snippet}”",
        "Someone who watched it wrote: “{snippet}”",
    ),
    "also": (
        "Other options: {others}.",
        "You might also like {others}.",
    ),
    "accept": (
        "Great choice! Enjoy {title}.",
        "Awesome, I hope you love {title}!",
    ),
    "goodbye": (
        "Thanks for chatting! Enjoy your {noun}, and come back any time.",
        "It was fun talking {noun}s with you. Enjoy, and see you next time!",
    ),
    "accept_more": (
        "Want another suggestion?",
        "Shall I find you something else too?",
    ),
    "small_talk": (
        "I'm doing well, thanks for asking!",
        "All good here, thanks!",
    ),
    "off_topic": (
        "I'm best at talking about {noun}s, so let's stick to that.",
        "I can't help much with that, but I know a lot about {noun}s!",
    ),
    "no_results": (
        "I couldn't find any {noun} that matches all of that.",
        "Nothing in my catalogue fits all of those conditions.",
    ),
    "relax": (
        "Could you loosen one of them? You asked for {prefs}.",
        "Maybe drop one condition? Right now it's {prefs}.",
    ),
    "unknown_item": (
        "Which {noun} do you mean? Ask me after I suggest one, or name it.",
    ),
    "did_you_mean": (
        "Did you mean {options}?",
    ),
    "invite": (
        "Tell me more: a {noun} you loved, a genre, anything.",
        "Anything else I should know about what you like?",
        "Just say “give me something” whenever you want a suggestion.",
    ),
}


def pick(strategy: str, seed: str | int, **slots: object) -> str:
    """A variant of `strategy` chosen by a stable hash of `seed`, with `slots` filled in."""
    variants = BANK[strategy]
    h = int(hashlib.md5(f"{strategy}:{seed}".encode()).hexdigest()[:8], 16)
    return variants[h % len(variants)].format(**slots)


def join_words(values: Sequence[str], conj: str = "or") -> str:
    """"a", "a or b", "a, b or c"."""
    vals = [v for v in values if v]
    if len(vals) <= 1:
        return "".join(vals)
    return ", ".join(vals[:-1]) + f" {conj} " + vals[-1]
