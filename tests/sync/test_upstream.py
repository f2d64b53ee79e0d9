"""The upstream client's politeness pieces on their own: the request pacer (on a fake
clock) and Retry-After parsing."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

import pytest

from openmaze.catalog.upstream import RequestPacer, retry_after_seconds


def test_pacer_never_lets_more_than_the_limit_into_any_window() -> None:
    now = [0.0]
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def run() -> None:
        pacer = RequestPacer(limit=20, window=10.0, clock=lambda: now[0], sleep=sleep)
        for _ in range(65):
            await pacer.wait()
            sent.append(now[0])
            now[0] += 0.01  # the response takes a moment
            pacer.completed()

    asyncio.run(run())
    for i in range(len(sent) - 20):
        assert sent[i + 20] - sent[i] >= 10.0
    assert sent[19] < 1.0  # the first twenty go at once
    assert sent[-1] < 35.0  # and the pace is no slower than it has to be


@pytest.mark.parametrize("bad", [(0, 1.0), (1, 0.0)])
def test_pacer_refuses_nonsense_limits(bad: tuple[int, float]) -> None:
    with pytest.raises(ValueError):
        RequestPacer(*bad)


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 2.5 ") == 2.5
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = retry_after_seconds(formatdate(timeval=time.time() + 30, usegmt=True))
    assert later is not None and 25 <= later <= 31
    assert retry_after_seconds(formatdate(timeval=0, usegmt=True)) == 0.0
