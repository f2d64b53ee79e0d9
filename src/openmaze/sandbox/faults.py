"""Fault rules: answers the sandbox gives instead of (or before) the real one, so a client's
error handling can be tested - an error status, a slow answer, or a connection that dies.

A rule names a path pattern (a glob on the normalised path: `/v1/user/*`), optionally a
method, and fires for every matching request, a fraction of them (`rate`), or the next N
(`times`; the rule is removed once spent). The first rule that fires wins. At most
`MAX_RULES` rules exist at once (each request checks them all).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

MAX_RULES = 100


@dataclass(slots=True)
class FaultRule:
    id: int
    path: str
    method: str | None
    status: int | None  # answer with this status and the TVmaze error body
    latency_ms: int  # wait this long first (then the status, the drop, or the real answer)
    drop: bool  # close the connection mid-answer
    rate: float  # fraction of matching requests it fires for
    remaining: int | None  # requests left to fire for; None: until removed
    retry_after: int | None  # Retry-After header of a status answer
    message: str
    fired: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and fnmatchcase(path, self.path)


class TooManyRules(Exception):
    pass


class FaultRules:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._random = rng or random.Random()

    def add(
        self,
        *,
        path: str,
        method: str | None,
        status: int | None,
        latency_ms: int,
        drop: bool,
        rate: float,
        times: int | None,
        retry_after: int | None,
        message: str,
    ) -> FaultRule:
        if len(self._rules) >= MAX_RULES:
            raise TooManyRules(f"at most {MAX_RULES} fault rules at once")
        rule = FaultRule(
            id=next(self._ids),
            path=path,
            method=method.upper() if method else None,
            status=status,
            latency_ms=latency_ms,
            drop=drop,
            rate=rate,
            remaining=times,
            retry_after=retry_after,
            message=message,
        )
        self._rules.append(rule)
        return rule

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule that fires for this request, if any (counting it as fired)."""
        for rule in self._rules:
            if not rule.matches(method, path):
                continue
            if rule.rate < 1.0 and self._random.random() >= rule.rate:
                continue
            rule.fired += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
            return rule
        return None

    def seed(self, value: int) -> None:
        """Make `rate` decisions repeatable from here on."""
        self._random.seed(value)

    def remove(self, rule_id: int) -> bool:
        for rule in self._rules:
            if rule.id == rule_id:
                self._rules.remove(rule)
                return True
        return False

    def clear(self) -> int:
        n = len(self._rules)
        self._rules.clear()
        return n

    def __iter__(self) -> Any:
        return iter(list(self._rules))

    def __bool__(self) -> bool:
        return bool(self._rules)
