"""ReDial dialogues on the default catalog: ids mapped by normalised title and year."""

from __future__ import annotations

from crs.catalog.crosswalk import UNMATCHED, crosswalk, translate_dialogues
from crs.catalog.dialogues import redial_train_dev


def test_redial_films_map_onto_the_default_catalog_by_title_and_year(redial_catalog, default_catalog, data_dir):  # type: ignore[no-untyped-def]
    ids = crosswalk(redial_catalog, default_catalog)
    assert len(ids) > 0.4 * len(redial_catalog)
    for src, dst in list(ids.items())[:200]:
        a, b = redial_catalog.item(src), default_catalog.item(dst)
        assert a.year == b.year and a.title.lower()[:4] == b.title.lower()[:4]
    _, dev = redial_train_dev(data_dir)
    d = next(d for d in dev if any(m in ids for m in d.seeker_labels) and any(m not in ids for m in d.seeker_labels))
    (t,) = translate_dialogues([d], ids)
    assert set(t.seeker_labels) == {ids.get(m, f"{UNMATCHED}{m}") for m in d.seeker_labels}
    assert all(k in default_catalog or k.startswith(UNMATCHED) for k in t.mentions)
    said = " ".join(m.text for m in t.messages)
    assert all(f"@{ids[m]}" in said for m in d.mentions if m in ids and f"@{m}" in " ".join(x.text for x in d.messages))
    assert t.conversation_id == d.conversation_id and len(t.messages) == len(d.messages)
