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
from openmaze.db.database import Conn, in_list, list_param

SearchTable = Literal["shows", "people"]

MAX_RESULTS = 10
MAX_QUERY = 200  # characters considered (difflib is quadratic in the worst case)
CANDIDATES = 1000
FUZZY_CANDIDATES = 300  # by trigram overlap: the likely typos come first
_REORDERED = 50  # best candidates re-ranked with popularity
FUZZY_THRESHOLD = 0.3
# TVmaze's singlesearch forgives fewer typos than its search (a "fuzziness" of 1, not 2), to
# avoid false positives: about one typo in a title scores 0.54 or more, two score less.
SINGLE_THRESHOLD = 0.54
_STOP_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "de", "la", "le", "der", "die", "das"})
_ARTICLES = ("the ", "a ", "an ")
_MAX_TOKENS = 8
_MAX_TRIGRAMS = 12


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


class _Fuzzy:
    """difflib similarity against one fixed string. SequenceMatcher indexes its second
    sequence, so one matcher per query string is reused for every name (and word pairs,
    which repeat across names, are remembered)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.matcher = SequenceMatcher(None, autojunk=False)
        self.matcher.set_seq2(target)
        self.seen: dict[str, float] = {}

    def ratio(self, other: str) -> float:
        known = self.seen.get(other)
        if known is not None:
            return known
        value = 0.0
        # A length gap alone rules out a ratio of 0.5 or more.
        if 2 * min(len(other), len(self.target)) >= 0.5 * (len(other) + len(self.target)):
            self.matcher.set_seq1(other)
            if self.matcher.quick_ratio() >= 0.5:
                value = self.matcher.ratio()
        self.seen[other] = value
        return value


class Scorer:
    """Relevance of folded names to one folded query, 0..1 (0: not a match)."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.compact = query.replace(" ", "")
        self.bare = _strip_article(query)
        words = query.split()
        self.words = [w for w in words if w not in _STOP_WORDS] or words
        self._whole = _Fuzzy(query)
        self._per_word = [_Fuzzy(w) for w in self.words]

    def score(self, name: str) -> float:
        query = self.query
        if not query or not name:
            return 0.0
        if name == query:
            return 1.0
        compact_n = name.replace(" ", "")
        if self.compact == compact_n or _strip_article(name) == self.bare:
            return 0.95
        coverage = len(query) / len(name)
        if name.startswith(query):
            boundary = name[len(query)] == " "
            return 0.85 + (0.04 if boundary else 0.0) + 0.01 * coverage
        if _strip_article(name).startswith(self.bare):
            return 0.84 + 0.01 * coverage
        n_words = name.split()
        if all(w in n_words for w in self.words):
            return 0.7 + 0.1 * min(1.0, len(self.words) / len(n_words))
        if all(any(nw.startswith(w) for nw in n_words) for w in self.words):
            return 0.6 + 0.1 * min(1.0, len(self.words) / len(n_words))
        if len(self.compact) >= 4 and self.compact in compact_n:
            return 0.58 + 0.02 * (len(self.compact) / len(compact_n))
        # Fuzzy: each query word against its closest name word, and the whole strings.
        per_word = []
        for fuzzy in self._per_word:
            best = max((fuzzy.ratio(nw) for nw in n_words), default=0.0)
            per_word.append(best if best >= 0.6 else 0.0)
        word_score = sum(per_word) / len(per_word) if per_word else 0.0
        best_fuzzy = max(word_score, self._whole.ratio(name))
        return 0.6 * best_fuzzy if best_fuzzy >= 0.6 else 0.0


def score(query: str, name: str) -> float:
    """Relevance of folded `name` to folded `query`, 0..1 (0: not a match)."""
    return Scorer(query).score(name)


def _trigrams(words: list[str]) -> list[str]:
    """Three-letter runs of the words, taken from each word in turn so that a cap keeps
    some of every word (a typo can be in any of them)."""
    per_word = [[w[i : i + 3] for i in range(len(w) - 2)] for w in words]
    grams: list[str] = []
    for position in range(max((len(g) for g in per_word), default=0)):
        for word_grams in per_word:
            if position < len(word_grams) and word_grams[position] not in grams:
                grams.append(word_grams[position])
    return grams[:_MAX_TRIGRAMS]


async def _candidates(
    conn: Conn,
    table: SearchTable,
    patterns: list[str],
    exact: str | None = None,
    compact: str | None = None,
    cap: int = CANDIDATES,
) -> list[Any]:
    """Rows whose folded name contains any of `patterns` (or, squeezed, `compact`), those
    matching most patterns first and the exact name and its prefixes above all, capped.
    Only `id` and `search_name` are read, so the scan runs over the name index alone."""
    params: dict[str, Any] = {f"p{i}": f"%{p}%" for i, p in enumerate(patterns)}
    conditions = [f"search_name LIKE :p{i}" for i in range(len(patterns))]
    overlap = [f"CASE WHEN search_name LIKE :p{i} THEN 1 ELSE 0 END" for i in range(len(patterns))]
    if exact:
        params.update(exact=exact, prefix=f"{exact}%")
        overlap.append("CASE WHEN search_name = :exact THEN 100 WHEN search_name LIKE :prefix THEN 10 ELSE 0 END")
    if compact:
        # REPLACE on every row costs more than all the LIKEs: only on the second pass.
        params["compact"] = f"%{compact}%"
        conditions.append("REPLACE(search_name, ' ', '') LIKE :compact")
        overlap.append("CASE WHEN REPLACE(search_name, ' ', '') LIKE :compact THEN 5 ELSE 0 END")
    if not conditions:
        return []
    sql = (
        f"SELECT id, search_name, {' + '.join(overlap)} AS overlap FROM {table} "
        f"WHERE {' OR '.join(conditions)} ORDER BY overlap DESC, id LIMIT {int(cap)}"
    )
    return list(await conn.fetch_all(sql, params))


async def search(
    conn: Conn, table: SearchTable, raw_query: str, limit: int = MAX_RESULTS, min_score: float = FUZZY_THRESHOLD
) -> list[Hit]:
    query = fold(raw_query[:MAX_QUERY])
    if not query:
        return []
    words = query.split()[:_MAX_TOKENS]
    meaningful = [w for w in words if w not in _STOP_WORDS] or words
    scorer = Scorer(query)
    relevance = _relevance(scorer, await _candidates(conn, table, meaningful, exact=query))
    if not relevance or max(relevance.values()) < 0.6:
        # Nothing matched well as typed: names written without spaces between letters
        # ("S.H.I.E.L.D."), and names sharing three-letter runs with the query (typos).
        # (A query of several words finds such names through its other words.)
        compact = query if len(words) == 1 and len(query) >= 4 else None
        grams = _trigrams([w for w in meaningful if len(w) >= 3])
        more = await _candidates(conn, table, grams, compact=compact, cap=FUZZY_CANDIDATES)
        relevance.update(_relevance(scorer, [r for r in more if r["id"] not in relevance]))
    best = sorted(((i, r) for i, r in relevance.items() if r >= min_score), key=lambda kv: (-kv[1], kv[0]))
    best = best[:_REORDERED]
    if not best:
        return []
    # Popularity (TVmaze's `weight`) breaks near-ties: it moves a score by at most 0.01.
    weights: dict[int, int] = {}
    if table == "shows":
        rows = await conn.fetch_all(
            f"SELECT id, weight FROM shows WHERE {in_list(conn, 'id', 'ids')}",
            {"ids": list_param(conn, [i for i, _ in best])},
        )
        weights = {int(r[0]): int(r[1] or 0) for r in rows}
    ranked = sorted(
        ((round(min(1.0, rel + 0.0001 * min(weights.get(i, 0), 100)), 4), i) for i, rel in best),
        key=lambda t: (-t[0], t[1]),
    )[:limit]
    # Only the results' objects are read: candidates can number thousands.
    objects = await load_many(conn, table, [i for _, i in ranked])
    return [Hit(i, value, objects[i]) for value, i in ranked if i in objects]


def _relevance(scorer: Scorer, rows: list[Any]) -> dict[int, float]:
    found: dict[int, float] = {}
    for row in rows:
        relevance = scorer.score(row["search_name"])
        if relevance >= FUZZY_THRESHOLD:
            found[int(row["id"])] = relevance
    return found
