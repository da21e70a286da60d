"""Hand-written fallback templates, used when no data directory is available to mine real
seeker messages from, and for slot signatures the mined grammar lacks.

Keys come from `simulators.grammar.template_key`. Slots: {item0}, {genre0}, {genre0:plural},
{genre0:adj}, {person0}, {value0} (any other attribute value).
"""

from __future__ import annotations

FALLBACK: dict[str, tuple[str, ...]] = {
    "state_attribute:i0g1p0": (
        "I like {genre0} movies.", "I'm looking for a good {genre0} movie.", "Something {genre0:adj} please.",
        "I'm in the mood for {genre0:plural}.", "{genre0} would be great", "i love {genre0} movies",
        "Can you recommend a {genre0} movie?", "I enjoy {genre0:plural} the most."),
    "state_attribute:i0g2p0": (
        "I like {genre0} and {genre1} movies.", "Something {genre0:adj}, maybe {genre1} too.",
        "I'm into {genre0:plural} and {genre1:plural}."),
    "state_attribute:i0g1p0-": (
        "I don't like {genre0} movies.", "Nothing {genre0:adj} please.", "I'm not a fan of {genre0:plural}.",
        "no {genre0} please"),
    "state_attribute:i0g0p1": (
        "I like movies with {person0}.", "Anything with {person0} in it.", "I'm a big fan of {person0}.",
        "i love {person0}"),
    "state_attribute:i0g0p1-": ("I can't stand {person0}.", "Nothing with {person0} please."),
    "state_attribute:v1": (
        "I'd prefer {value0}.", "Something {value0} would be nice.", "{value0} I think.", "Maybe {value0}?"),
    "mention_liked:i1g0p0": (
        "I loved {item0}.", "I really liked {item0}", "Something like {item0} would be great.",
        "My favorite is {item0}.", "I enjoyed {item0} a lot."),
    "mention_liked:i2g0p0": (
        "I like {item0} and {item1}.", "I loved {item0} and {item1}", "Movies like {item0} or {item1}."),
    "mention_disliked:i1g0p0": (
        "I didn't like {item0}.", "I hated {item0}.", "{item0} was not for me.", "I did not enjoy {item0} at all."),
    "critique:i0g1p0": (
        "Something more {genre0:adj} maybe?", "Do you have anything more {genre0:adj}?",
        "I'd prefer a {genre0} movie instead.", "Hmm, maybe something with more {genre0}."),
    "critique:i0g1p0-": (
        "Something less {genre0:adj}?", "That one is too {genre0:adj} for me.",
        "Maybe something that isn't a {genre0} movie?"),
    "critique:i0g0p1": ("I'd rather see something with {person0}.", "Anything with {person0} instead?"),
    "critique:v1": ("Something more like {value0}?", "I'd prefer {value0} instead."),
    "ask_rec:i0g0p0": (
        "Can you recommend a movie?", "What should I watch tonight?", "Any good movie suggestions?",
        "I'm looking for a good movie.", "what do you recommend?"),
    "accept:i0g0p0": (
        "That sounds great, I'll check it out!", "Sounds good, thanks!", "I haven't seen it, I'll watch it.",
        "Great suggestion!", "ok i will check that out"),
    "accept:i1g0p0": ("I'll check out {item0}, thanks!", "{item0} sounds great.", "I'll watch {item0}."),
    "reject:i0g0p0": (
        "I've seen that one already.", "Not really my thing.", "Hmm, I don't think so.",
        "I've already seen it, anything else?", "no, not that one"),
    "reject:i1g0p0": ("I've already seen {item0}.", "Not {item0}, something else please.",
                      "I didn't like {item0}."),
    "chitchat:i0g0p0/greet": ("Hi!", "Hello", "hi there", "Hey, how are you?", "Hello, how are you today?"),
    "chitchat:i0g0p0/bye": ("Thanks, bye!", "Thank you, have a great day!", "bye", "Thanks for the help!"),
    "chitchat:i0g0p0/other": ("ok", "I'm good, thanks.", "Yeah", "lol", "I see", "Not sure."),
    "chitchat:i0g0p0/indifferent": ("I don't mind.", "Anything is fine.", "No preference really.",
                                    "doesn't matter to me"),
}
