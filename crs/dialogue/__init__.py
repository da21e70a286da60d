"""The dialogue manager, one module per stage of a turn.

    read.py        reading the message (the one place that reads user text)
    track.py       state update: the order-aware tracker
    candidates.py  constraints → candidate set (relaxation) → ranked recommendation
    observe.py     the policy's observation of the turn
    decide.py      the policy seam: policy names, the policy's choice, the user's initiative
    elicit.py      open questions about people (a rule on top of the policy)
    reply.py       rendering the reply, the JSON view of a turn
    agent.py       `Agent`: the stages in order (`step` = `understand` + `respond`)
    build.py       `build_agent`: the one place that wires the parts
    chat_env.py    a Gymnasium environment around the whole agent (training through text)

Import from the submodules (`from crs.dialogue.build import build_agent`); this file imports nothing.
"""
