"""Catalog search that is good enough for a person.

Names and queries are compared in their folded form (`catalog.text.fold`: case, accents
and punctuation ignored) and, for names like "S.H.I.E.L.D." or "Grey's Anatomy", with the
spaces removed as well. The database narrows the catalog to candidate rows (substring
matches on `search_name`, then trigram matches when nothing matched well, for typos);
Python ranks the candidates:

    exact (1.0) > exact without a leading article or spaces (0.95)
    > prefix (0.85-0.9) > every word present (0.7-0.8) > every word a prefix (0.6-0.7)
    > fuzzy (up to 0.6, difflib)

and breaks ties by TVmaze's popularity `weight`. Scores are floats in 0..1, like TVmaze's.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

import orjson

from openmaze.catalog.objects import load_many
from openmaze.catalog.text import fold
from openmaze.db.database import Conn

SearchTable = Literal["shows", "people"]

MAX_RESULTS = 10
CANDIDATES = 2000
FUZZY_THRESHOLD = 0.3
_STOP_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "de", "la", "le", "der", "die", "das"})
_ARTICLES = ("the ", "a ", "an ")
_MAX_TOKENS = 8
_MAX_TRIGRAMS = 24


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    data: orjson.Fragment | None = None


def _strip_article(text: str) -> str:
    for article in _ARTICLES:
        if text.startswith(article):
            return text[len(article) :]
    return text


def _fuzzy(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return 0.0
    return matcher.ratio()


def score(query: str, name: str) -> float:
    """Relevance of folded `name` to folded `query`, 0..1 (0: not a match)."""
    if not query or not name:
        return 0.0
    if name == query:
        return 1.0
    compact_q, compact_n = query.replace(" ", ""), name.replace(" ", "")
    if compact_q == compact_n or _strip_article(name) == _strip_article(query):
        return 0.95
    coverage = len(query) / len(name)
    if name.startswith(query):
        boundary = name[len(query)] == " "
        return 0.85 + (0.04 if boundary else 0.0) + 0.01 * coverage
    if _strip_article(name).startswith(_strip_article(query)):
        return 0.84 + 0.01 * coverage
    q_words, n_words = query.split(), name.split()
    meaningful = [w for w in q_words if w not in _STOP_WORDS] or q_words
    if all(w in n_words for w in meaningful):
        return 0.7 + 0.1 * min(1.0, len(meaningful) / len(n_words))
    if all(any(nw.startswith(w) for nw in n_words) for w in meaningful):
        return 0.6 + 0.1 * min(1.0, len(meaningful) / len(n_words))
    if len(compact_q) >= 4 and compact_q in compact_n:
        return 0.58 + 0.02 * (len(compact_q) / len(compact_n))
    # Fuzzy: each query word against its closest name word, and the whole strings.
    per_word = []
    for w in meaningful:
        best = max((_fuzzy(w, nw) for nw in n_words), default=0.0)
        if best < 0.6:
            best = 0.0
        per_word.append(best)
    word_score = sum(per_word) / len(per_word) if per_word else 0.0
    whole = _fuzzy(query, name)
    best_fuzzy = max(word_score, whole)
    return 0.6 * best_fuzzy if best_fuzzy >= 0.6 else 0.0


def _trigrams(words: list[str]) -> list[str]:
    grams: list[str] = []
    for word in words:
        for i in range(max(1, len(word) - 2)):
            gram = word[i : i + 3]
            if len(gram) == 3 and gram not in grams:
                grams.append(gram)
    return grams[:_MAX_TRIGRAMS]


async def _candidates(conn: Conn, table: SearchTable, patterns: list[str], compact: str | None) -> list[Any]:
    conditions = [f"search_name LIKE :p{i}" for i in range(len(patterns))]
    params: dict[str, Any] = {f"p{i}": f"%{p}%" for i, p in enumerate(patterns)}
    if compact:
        conditions.append("REPLACE(search_name, ' ', '') LIKE :compact")
        params["compact"] = f"%{compact}%"
    if not conditions:
        return []
    # The most popular candidates first, so a cap on a very common word keeps the likely ones.
    order = "weight DESC, id" if table == "shows" else "id"
    weight = "weight" if table == "shows" else "0"
    sql = (
        f"SELECT id, search_name, {weight} AS weight FROM {table} WHERE {' OR '.join(conditions)} "
        f"ORDER BY {order} LIMIT {CANDIDATES}"
    )
    return list(await conn.fetch_all(sql, params))


async def search(conn: Conn, table: SearchTable, raw_query: str, limit: int = MAX_RESULTS) -> list[Hit]:
    query = fold(raw_query)
    if not query:
        return []
    words = query.split()[:_MAX_TOKENS]
    meaningful = [w for w in words if w not in _STOP_WORDS] or words
    compact = query.replace(" ", "")
    rows = await _candidates(conn, table, meaningful, compact if len(compact) >= 3 else None)
    hits = _rank(query, rows)
    if not hits or hits[0].score < 0.6:
        # Nothing matched as typed: look for names sharing three-letter runs (typos).
        grams = _trigrams([w for w in meaningful if len(w) >= 3])
        if grams:
            seen = {h.id for h in hits}
            more = [r for r in await _candidates(conn, table, grams, None) if r["id"] not in seen]
            hits = sorted(hits + _rank(query, more), key=lambda h: -h.score)
    # Only the results' objects are read: candidates can number thousands.
    top = hits[:limit]
    objects = await load_many(conn, table, [h.id for h in top])
    return [Hit(h.id, h.score, objects[h.id]) for h in top if h.id in objects]


def _rank(query: str, rows: list[Any]) -> list[Hit]:
    scored: list[tuple[float, int, Hit]] = []
    for row in rows:
        relevance = score(query, row["search_name"])
        if relevance < FUZZY_THRESHOLD:
            continue
        weight = row["weight"] or 0
        # Popularity only breaks near-ties: it moves a score by at most 0.01.
        value = round(min(1.0, relevance + 0.0001 * min(int(weight), 100)), 4)
        scored.append((value, -int(row["id"]), Hit(int(row["id"]), value)))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [h for _, _, h in scored]
