"""Words that decide whether a capitalised span is a film title (`crs.nlu.entities.EntityLinker`):
common words that are also titles ("It", "Up", "Her"), position words ("the last one"), reply words
("Yes", "Okay"), opinion verbs ("Loved"), and the cues and verbs around a one-word title."""

from __future__ import annotations

import re

CUED = re.compile(r"\b(?:like|loved?|liked|enjoyed|seen|watched|similar to|as good as)\s+$", re.IGNORECASE)
"""Words right before a title that make a lower-case "the X" a reference to the film."""
COMMON = frozenset(["i", "it", "up", "us", "her", "him", "she", "he", "me", "my", "you", "we", "they", "them", "this", "that", "what", "when", "who", "how", "why", "where", "yes", "no", "ok", "okay", "hi", "hey", "hello", "thanks", "thank", "love", "like", "good", "great", "fine", "sure", "well", "so", "one", "two", "more", "less", "then", "now", "here", "there", "time", "home", "run", "big", "go", "out", "in", "on", "off", "all", "any", "some", "see", "seen", "watch", "watched", "movie", "movies", "film", "films", "the", "a", "an", "and", "or", "but", "not", "too", "very", "just", "really", "also", "maybe", "please", "cool", "nice", "awesome",
                    # contractions, apostrophe dropped by `normalise`: "I'm in the mood for ..." is no
                    # misspelt "I'm Not There"
                    "im", "ive", "id", "ill", "youre", "weve", "were", "theyre", "dont", "didnt", "doesnt",
                    "cant", "wont", "isnt", "wasnt", "havent", "lets", "thats", "whats", "theres", "its"])

ORDINALS = frozenset(("first", "second", "third", "fourth", "fifth", "last", "other", "next", "new", "old", "latest",
                       "previous", "original", "final", "same", "newer", "older", "later", "earlier"))
ONE_AFTER = re.compile(r"^\s+(?:one|ones|movie|movies|film|films|two|three|four|five|both)\b", re.IGNORECASE)
"""After "the last", "the other", ...: a reference by position ("the last one", "the other movie")."""
CAPITALISED_NEXT = re.compile(r"^ (?!(?:The|A|An|And|Or|But|So|I|It|My|Is|Was|Have|Has)\b)([A-Z][a-z]+)")
"""A Capitalised word right after a one-word title, in the same run ("Emma Stone", "Jack Black")."""
INTERJECTIONS = frozenset(["yes", "no", "ok", "okay", "thanks", "sure", "well", "hi", "hey", "hello", "cool", "nice",
                            "awesome", "great", "good", "fine", "maybe", "please", "so", "then", "now", "wow", "yeah",
                            "lol", "lmao", "omg", "haha", "hehe", "yay"])
"""Reply words that are also one-word titles: a title only right after a cue ("I loved Okay")."""
OPINION_VERBS = frozenset(["loved", "liked", "enjoyed", "hated", "adored", "disliked"])
A_BEFORE = re.compile(r"\b(?:a|an|another|any|some)\s+$", re.IGNORECASE)
"""An article before a one-word title followed by "movie" / "film": a kind of film ("a Vampire movie")."""
SENTENCE_WORDS = frozenset("""nothing something anything everything everyone someone anyone nobody everybody
    somebody anybody none both either neither each others another which whatever today tonight yesterday
    tomorrow weekend mine yours ours theirs his hers its their our your these those there""".split())  # noqa: SIM905
"""Words that start a sentence before a verb ("Nothing was good", "Yesterday was fun") and name films too:
a capitalised one-word title at a sentence start is linked before a verb unless it is one of these, a
genre word or a known surname."""
VERB_AFTER = re.compile(r"^\s*(?:is|was|'s|’s|has|had|does|did|will|would|seems|sounds|looks|made|makes|got)\b",
                         re.IGNORECASE)
"""A verb right after a one-word common title ("It", "Her", "Us"): the word is a pronoun."""
NOT_A_TITLE_ALONE = COMMON | INTERJECTIONS | OPINION_VERBS | SENTENCE_WORDS | frozenset(
    """of is are was to for with about at by from as be do does did have has had can could would will
    shall should may might must am been being into onto than if because while until your our their
    goodbye bye merry christmas wanted favorite favorites favourite favourites favs fav""".split())  # noqa: SIM905
"""Words a capitalised run made only of is no misspelt title ("One of my favorites" is not *One of
Us*, "Anything a bit more ..." not *Anything Else*, "Merry Christmas" not *Arthur Christmas*): the
unknown-title spans that get "did you mean" suggestions (`EntityLinker.unknown_titles`)."""
REQUEST_TAIL = frozenset(["else", "new", "different", "similar", "more", "other", "special"])
"""With an indefinite pronoun, the words of a request: "anything else", "something new" (`_plausible`)."""
FILM_TALK = frozenset("""actors actor actress actresses cast star stars story plot ending end characters character
    acting director directing music soundtrack songs effects visuals script writing dialogue series franchise
    sequel sequels remake trailer book books idea concept premise humor humour jokes scenes scene twist
    cinematography animation setting settings""".split())  # noqa: SIM905
"""Nouns of film talk: after a cue, "the X" is that part of a film ("I like the actors", "I love the
star of that movie"), not a lower-case title (*The Actors*, *The Star*)."""
GREETING_BEFORE = re.compile(r"\b(?:happy|merry)\s+$", re.IGNORECASE)
"""Before a one-word title, a season's greeting: "Happy Holidays", "Happy Halloween"."""
SEASON_AFTER = re.compile(r"^\s+(?:holidays?|halloween|christmas|new year|thanksgiving|easter|birthday|valentine'?s)\b",
                          re.IGNORECASE)
"""After "Happy" / "Merry": the greeting's season, so "Happy" is no film either."""
