"""Surface cues the reading stage (`crs.dialogue.read`) routes a turn by: greetings, requests,
yes/no answers to a value question, reactions to the film on the table, questions about it,
leave-takings, and answers that leave a question open ("no preference", "up to you").

Regular expressions only; what each match means for the turn is decided in `read`.
"""

from __future__ import annotations

import re

from crs.nlg.questions import MORE_INFO

GREET = re.compile(r"^\s*(hi+|hello|hey+|hiya|howdy|good (morning|afternoon|evening)|greetings|yo)\b", re.IGNORECASE)
_ONE_MORE = (r"(?<!\bthe )(?<!\bthat )(?<!\bthis )(?<!\bfirst )(?<!\bsecond )(?<!\bthird )(?<!\blast )(?<!\bother )\b(one|a few|two|three|a couple|couple) more\b"
             r"(?!\s+(than|time|times|thing|things|question|questions|minute|minutes|second|seconds|day|days))")
REQUEST = re.compile(r"\b(give|show|suggest|recommend|find|pick)\b.*\b(me|something|anything|one|movies?|films?)\b|"
                     r"^\W*(please |can you |could you )?(recommend|suggest)\b|"
                     r"\bsurprise me\b|\bwhat should i watch\b|\bjust (give|pick|recommend)\b|\bany (ideas|suggestions)\b|"
                     r"\bsomething else\b|\banother one\b|\b(what|anything|something) else\b|\bwhat other\b|\bother (ones|options|ideas)\b|"
                     r"\bany(thing)?\b[^?.!]{0,40}\b(movies?|films?|ones|flicks?)\b[^?.!]{0,20}\?|\bany others?\b|\bknow (of )?any(thing)?\b|"
                     r"\bmore (suggestions|ideas|options|recommendations)\b|\b(fire away|hit me|let'?s hear (it|them)|"
                     r"lay (it|them) on me)\b|" + _ONE_MORE,
                     re.IGNORECASE)
"""... and "one more" ("lay one more on me", "you got one more"), not "I liked the first one more than the
second" nor "one more thing"."""
ONE_MORE = re.compile(_ONE_MORE, re.IGNORECASE)
"""A request for one more film, which wins over a kind word about the last ones ("great options, name one more?")."""
YES = re.compile(r"^\s*(yes|yeah|yep|yup|sure|ok(ay)?|definitely|of course|absolutely|sounds good|why not)\b", re.IGNORECASE)
NO = re.compile(r"^\s*(no|nope|nah|not really|not at all|never)\b", re.IGNORECASE)
REJECT = re.compile(r"^\s*(no|nope|nah|not (that|this)( one)?|something else|another one|"
                    r"i (don'?t|didn'?t) (like|enjoy) (that|it)|not for me|boring)\b", re.IGNORECASE)
SEEN = re.compile(r"\b(already (seen|watched|saw)|(i'?ve|i have|we'?ve|we have) ((already|actually|also|just|both) )?(seen|watched)|seen (it|that|this|them) "
                  r"(already|before)|(saw|watched) (it|that|this|them) (already|before)|seen (it|that|this)\b(?! (one|movie|film)\?))",
                  re.IGNORECASE)
NOT_NOW = re.compile(r"\bnot (really )?in the mood for\b|\bnot (tonight|today|right now)\b|\bmaybe (another|some other) time\b",
                     re.IGNORECASE)
DISLIKED = re.compile(r"\b(didn'?t|did not|don'?t|do not) (really )?(like|enjoy|care for)|\b(hated|disliked|not a fan|"
                      r"wasn'?t (a fan|good|great|that good)|not my (cup of tea|thing)|was (bad|awful|terrible|boring)|meh)\b",
                      re.IGNORECASE)
LIKED = re.compile(r"\b(i'?ll (take|watch|try|check out)|(sounds|looks) (really |so |pretty )?(good|great|perfect|fun|interesting|awesome|"
                   r"amazing|cool)|i (loved|liked|love|like|enjoyed)|"
                   r"let'?s (go with|watch)|perfect)\b", re.IGNORECASE)
ASK = re.compile(MORE_INFO + r"|\b(tell me (more )?about|more about|what'?s .{0,20}about|what is .{0,20}about|who('?s| is) in|who (directed|stars)|"
                 r"is (it|that|the \w+ one) (good|any good|scary|funny|long)|describe|what kind of|how long is)\b|\?\s*$",
                 re.IGNORECASE)
TO_THE_BOT = r"(?:have|did|do) you (?:ever )?(?:seen|see|watched|watch|like|liked|enjoy|enjoyed|love|loved)"
"""A question to the bot about its own viewing ("have you seen", "did you like")."""
SEEN_ANSWER = r"(?:(?:yes|yeah|yep|no|nope|not yet|i have|i haven'?t|i'?ve|i did|i didn'?t)\b[^.!?]{0,60}[.!]+\s+)?"
"""An answer about having seen the films before the question ("No I haven't seen either. Are they horror films?")."""
ITEM_QUESTION = re.compile(r"^\s*" + SEEN_ANSWER + r"(?:and |so |but |ok(?:ay)?,? |hmm,? )?(?:is|was|does|did|has|will|would|are|were|"
                           + TO_THE_BOT + r")\s+"
                           r"(?:it|this|that|they|those|these|this one|that one|the (?:first|second|third|last|other) one)"
                           r"\b[^?.!]{0,80}\?+\s*$", re.IGNORECASE)
"""One yes/no question about the film(s) on the table, the whole message ("is it too long?", "have you
seen it?")."""
WH_ITEM_QUESTION = re.compile(r"^\s*" + SEEN_ANSWER + r"(?:and |so |but |ok(?:ay)?,? )?(?!(?:how|what) about\b)(?:how|what|who|when|which|where)\b[^?.!]{0,40}"
                              r"\b(?:it|this|that|this one|that one|they|those)\b[^?.!]{0,20}\?+\s*$", re.IGNORECASE)
"""One wh-question about the film(s) on the table ("how long is it?", "what is it rated?")."""
FAREWELL = re.compile(r"\b(good\s?bye|bye+|good\s?night|see (you|ya)|have a (great|good|nice|wonderful|lovely) (night|day|"
                      r"evening|weekend|one))\b", re.IGNORECASE)
"""A leave-taking that ends the conversation whatever else the message says ("loved that one, thanks for
the recommendations.  have a great day", "I will look into that movie with Tom Hanks. Thank you, and
goodnight"), unless it asks for more."""
GOODBYE = re.compile(r"\b((nice|great|fun) (chatting|talking)|(thanks|thank you)\b[^?]{0,30}\b(help|chat|"
                     r"chatting|talking|suggestions|recommendations)|that'?s all|"
                     r"i (really )?appreciate (your|the|all (of )?(your|the)) (help|suggestions|recommendations|time)|"
                     r"i (think )?i('ve)? found (what i (want|need|was looking for)|something to watch|my movie)|i think (we'?re|i'?m) (good|done|set)|"
                     r"(i'?m|we'?re) (all )?set|(you'?re|you are) (very |so |most )?welcome|(i'?m|we'?re) (happy|good) with (that|those|these|the (selection|"
                     r"suggestions|list)))\b", re.IGNORECASE)
"""The user closes the conversation without a farewell word (`FAREWELL`: "Thank you for your help", "I
think we're good"), unless the message also reacts, wishes or asks for more: not more films (real ReDial
seekers end this way)."""
NOT_CLOSING = frozenset({"reject", "seen", "critique", "not_now", "ask_rec"})
"""NLU intents that keep the conversation going whatever polite words come with them ("thanks for the
suggestions but I've seen those")."""
ACCEPT = re.compile(r"^\s*(thanks?|thank you|great|perfect|awesome|sounds (good|great)|i'?ll (watch|check)|"
                    r"love it|that works|yes)\b|\b(thanks|thank you)\b", re.IGNORECASE)
NUMBER = re.compile(r"\b((19|20)\d\d|'?\d0s|(19|20)\d0s|(nine|eigh|seven|six|fif)ties|(this|current|21st|last|20th) century)\b",
                    re.IGNORECASE)
NUMERIC_OPS = ("ge", "le", "gt", "lt", "eq")
INDIFFERENT = re.compile(r"\b(no (?:real |particular )?preferences?|(?:i )?do(?:n'?t|nt|\s+not) (?:really )?(?:mind|care)|"
                         r"(?:does(?:n'?t|nt| not)|do(?:n'?t|nt)) (?:really )?matter|any(?:thing|one)?(?: at all)? (?:is|would be|'s) "
                         r"(?:fine|ok(?:ay)?|good|great)|anything (?:works|goes|really)|either (?:way|one|is fine|works)|not sure|"
                         r"no idea|no(?:\s?one|body|thing)? (?:in )?particular|anyone(?: is fine| works)?$|open to anything|"
                         r"i'?m (?:easy|flexible))\b", re.IGNORECASE)
"""An answer that leaves the question open ("no preference", "anything is fine", "I don't mind"): no
value is wanted or excluded, and the message is not off topic."""
DEFER = re.compile(r"\b(whatever you (?:think|like|want|suggest|recommend|choose|pick)|(?:it'?s )?up to you|"
                   r"(?:you|u) (?:choose|pick|decide)|your (?:call|choice|pick)|dealer'?s choice)\b", re.IGNORECASE)
"""The user hands the choice to the agent ("whatever you think", "up to you"): a request for films."""
SMALL_TALK = re.compile(r"\bhow (?:are|r) (?:you|u|things)\b|\bhow'?s (?:it going|things|your (?:day|night|weekend))\b|"
                        r"\bhow (?:is|was) your (?:day|night|weekend)\b|\bnice to (?:meet|chat with) you\b|"
                        r"^\W*(?:(?:and|what about|how about) )?(?:you|u|yourself)\W*$|\b(?:and|what about|how about) (?:you|u|yourself)\W*$|"
                        r"\bhappy (?:new year|holidays|thanksgiving|halloween|easter|friday|monday)\b|\bmerry christmas\b|"
                        r"^\W*(?:i'?m|i am|im) (?:doing )?(?:good|great|fine|well|ok(?:ay)?|alright|pretty good)\b", re.IGNORECASE)
"""Small talk ("How are you today?", "I'm doing good, you?", "Happy New Year!"): answered in kind, never off topic."""
THANKS = re.compile(r"\b(thanks?|thank you|thx)\b", re.IGNORECASE)
"""Thanks: a polite close or an acceptance, never off topic ("you have, thank you")."""
FILM_TALK = re.compile(r"\b(movies?|films?|seen|see|saw|watch(ed|ing)?|actors?|actress(es)?|directors?|genres?|"
                       r"haven'?t|havent)\b", re.IGNORECASE)
"""Words about films: a message with them is small talk about films, never off topic ("No i havent
seen any of the movies")."""
