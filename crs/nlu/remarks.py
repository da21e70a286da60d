"""What a message says that is not a wish: a word said of a film ("airplane was hilarious", "it was
directed by Spielberg"), a value qualified, moderated or compared ("not grossout comedies", "nothing
too silly", "more action than romance"), a person panned or praised while a film is on the table.

Each predicate takes the message and one `Link` and says whether the link is such a remark; the
pipeline (`crs.nlu.pipeline`) drops it from the wishes and constraints.
"""

from __future__ import annotations

import re

from crs.nlu.critique import MODERATED
from crs.nlu.entities import Link
from crs.nlu.text import said_of_a_film

_FUNCTION = frozenset([
    "a", "an", "the", "any", "no", "not", "more", "much", "many", "really", "too", "so", "into", "of",
    "for", "like", "want", "watch", "see", "with", "about", "on", "in", "fan", "big", "huge", "some",
    "other", "another", "those", "these", "that", "this", "are", "is", "am", "be", "do", "does", "did",
    "don't", "dont", "doesn't", "didn't", "isn't", "aren't", "arent", "wasn't", "weren't", "can't", "cant", "stand", "hate", "love", "enjoy", "besides",
    "except", "than", "but", "or", "and", "nothing", "none", "never", "without", "avoid", "i", "me", "my",
    "watching", "seeing", "less", "fewer", "mood", "anything", "something", "movie", "movies", "film",
    "films", "genre", "kind", "type", "sort", "also", "even", "have", "has", "had", "get", "try", "rent",
    "pick", "give", "show", "suggest", "recommend", "need", "wanna", "prefer", "rather", "especially",
    "particularly", "very", "fond", "all", "just",
])


def qualified(text: str, link: Link) -> bool:
    """A negated value with a modifier right before it ("not grossout comedies", "no cheesy romance"):
    the modifier is what is unwanted, so the value is neither excluded nor a contradiction."""
    before = re.findall(r"[a-z'-]+", text[max(0, link.span[0] - 30): link.span[0]].lower())
    return bool(before) and before[-1] not in _FUNCTION and link.kind == "attribute"


def moderated(text: str, link: Link) -> bool:
    """An attribute word after a negated degree ("nothing too silly", "not too scary"): less of it is
    wanted, so it is neither excluded nor a disliked value."""
    return link.kind == "attribute" and MODERATED.search(text[max(0, link.span[0] - 30): link.span[0]]) is not None


_THAN = re.compile(r"\bthan\s+(?:a\s+|an\s+|the\s+)?$", re.IGNORECASE)


def compared(text: str, link: Link) -> bool:
    """The value a wish is measured against ("more action than romance", "comedy rather than
    horror") is not itself wanted."""
    return link.kind == "attribute" and _THAN.search(text[max(0, link.span[0] - 12): link.span[0]]) is not None


_PANNED = re.compile(r"^\s*(isn'?t|is not|wasn'?t|was not|ain'?t|can'?t act|cannot act|"
                     r"(is|was) (so |really |pretty |just )?(annoying|terrible|awful|bad|overrated|the worst|not funny))\b",
                     re.IGNORECASE)


_PRAISED = re.compile(r"^\s*(?:is|was|'s|are|were)\s+(?:so\s+|really\s+|very\s+|just\s+|such\s+|always\s+)?(?:an?\s+)?"
                      r"(?:great|cute|good|amazing|awesome|funny|hilarious|hot|talented|brilliant|fantastic|excellent|"
                      r"perfect|adorable|wonderful|gorgeous)\b", re.IGNORECASE)


def praised(text: str, link: Link) -> bool:
    """A person praised right after the name while a film is on the table ("Zac Efron is so cute!",
    "Macaulay Culkin is great in those"): a comment on its cast, kept as a liked mention, not a wish
    for their films. Without a film shown ("Jack Black is funny" answering a question) it is one."""
    return link.kind == "person" and _PRAISED.search(text[link.span[1]: link.span[1] + 40]) is not None \
        and _THEIR_FILMS.search(text) is None


_THEIR_FILMS = re.compile(r"\b(?:with|starring|by|from) (?:him|her|them)\b|\b(?:his|her|their) (?:other )?(?:movies|films|work)\b|"
                          r"\bmore of (?:him|her|them)\b", re.IGNORECASE)
"""A request for the praised person's films ("Tom Hanks is great, anything with him?"): a wish after all."""


def panned(text: str, link: Link) -> bool:
    """A person the message says something against right after the name ("Owen Wilson isn't that
    funny", "Nicolas Cage can't act"): not a wish for their films."""
    return link.kind == "person" and _PANNED.search(text[link.span[1]: link.span[1] + 40]) is not None


_OF_A_FILM = re.compile(r"^\s+(in|of)\s+(it|that|this)\b", re.IGNORECASE)
"""A part of one film ("the music in it"); "ones that have a little action in them" is a wish."""
_BOTS_TASTE = re.compile(r"\byou\s+(must|seem to|probably|also|really|sure|clearly)(\s+really)?\s+(like|love|enjoy)s?\s+$",
                         re.IGNORECASE)

_ASKS_BOTS_TASTE = re.compile(r"\b(?:do|did|would) you\s+(?:only\s+|really\s+|also\s+|just\s+|even\s+|usually\s+)?"
                              r"(?:like|love|enjoy|watch|prefer)s?\s+(?:the\s+)?$", re.IGNORECASE)
"""A question about the bot's own taste ("Do you only like SciFi?", "do you like Tom Hanks?")."""
_ASKS_KIND = re.compile(r"\b(?:is|isn'?t|was|wasn'?t)\s+(?:it|that|this)(?:\s+(?:one|movie|film))?\s+"
                        r"(?:(?:a|an|more of an?|kind of an?|sort of an?)\s+)?$", re.IGNORECASE)
"""A question about the kind of the film on the table ("is it a horror?", "isn't that a comedy?")."""
_THE_ONE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_ONE_AFTER = re.compile(r"^(?:'s)?\s+(?:directed\s+|produced\s+|written\s+)?(?:one|movie|film)\b", re.IGNORECASE)
_PERSON_OF_A_FILM = re.compile(r"\b(?:is|was|'s|are|were)\s+(?:(?:based on|adapted from)\s+(?:an?\s+|the\s+)?"
                               r"(?:(?:book|novel|story)\s+(?:by|from|of)\s+)?|(?:directed|written|produced)\s+by\s+|"
                               r"by\s+|from\s+|with\s+|starring\s+)$|\b(?:it|this one|that one|(?:this|that|the) (?:movie|film|one))\s+"
                               r"(?:had|has|starred|stars|featured|features)\s+$|\b(?:that|this|the)\s+(?:movie|film|one)\s+"
                               r"(?:with|starring)\s+$", re.IGNORECASE)
"""A person said of a film ("The Green Mile is based on a Stephen King novel, right?", "that was
directed by Spielberg", "it's with Tom Hanks", "It had Robin Williams, I believe", "I will look into that
movie with Tom Hanks"): a fact about it, not a wish."""
_HOUSEHOLD = re.compile(r"\b(?:my|our)\s+family\s+and\s+(?:i|me|we|myself)\b", re.IGNORECASE)
_LIKED_AFTER = re.compile(r"^[\s,.!?]*(?:and\s+|but\s+)?i\s+(?:really\s+|just\s+)?(?:love|like|enjoy|adore)\s+(?:all\s+)?"
                          r"(?:his|her|their|him|them)\b",
                          re.IGNORECASE)
_WISHED_FILM = re.compile(r"\b(?:movies?|films?|something|anything|ones?|stuff)\s+(?:that|which)\s+(?:is|are|was|were)\b",
                          re.IGNORECASE)


def describes(text: str, link: Link) -> bool:
    """A genre adjective said of a film ("airplane was hilarious", "the first one is funny") or a
    genre word naming a part of one ("I like the music in it") describes it; it is not a wish for that
    genre. Said of the films wished for ("I'm looking for movies that are hilarious") it is the wish.
    A person the user says the bot likes ("you must really like Leonardo DiCaprio"), a value in a
    question about the bot's taste ("Do you only like SciFi?"), a person said of a film ("it was
    directed by Spielberg") or naming one ("the Mel Gibson directed one") is no wish either."""
    before = text[max(0, link.span[0] - 40): link.span[0]]
    if (_ASKS_BOTS_TASTE.search(before) or (link.kind == "attribute" and _ASKS_KIND.search(before))) \
            and "?" in text[link.span[1]:link.span[1] + 30]:
        return True  # "Do you only like SciFi?": the bot's taste; "is it a horror?": the film on the table
    if link.kind == "person" and _THE_ONE.search(before) and _ONE_AFTER.match(text[link.span[1]:link.span[1] + 30]):
        return True  # "that's the Mel Gibson directed one?": one film, named by its person
    if link.kind == "person":
        return _BOTS_TASTE.search(before) is not None or (
            _PERSON_OF_A_FILM.search(before) is not None and _WISHED_FILM.search(before) is None
            and _LIKED_AFTER.match(text[link.span[1]:link.span[1] + 40]) is None)  # "... by Spielberg and I love his films"
    if link.kind == "attribute" and _HOUSEHOLD.search(text[max(0, link.span[0] - 8):link.span[1] + 14]):
        return True  # "my family and I love those": the user's family, not the genre
    return link.kind == "attribute" and (said_of_a_film(text, link.span[0])
                                         or _OF_A_FILM.search(text[link.span[1]: link.span[1] + 20]) is not None)


__all__ = ["compared", "describes", "moderated", "panned", "praised", "qualified"]
