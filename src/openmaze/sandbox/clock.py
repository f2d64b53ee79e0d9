"""The sandbox's clock: real time until a test sets it, then frozen (or running from the
set moment) until released.

It replaces `Services.clock`, so everything that reads the app clock follows it: `marked_at`
and `voted_at` defaults, follow times, pairing expiry and poll spacing, web sessions.
Network-facing timing (the rate-limit windows, latency faults, `Retry-After`) stays on
real time on purpose: a client backs off by sleeping in real time, and a window that
only moved with a frozen sandbox clock would never let it back in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Epochs a client could sensibly mean: 1970 .. 2100 (the database keeps 64-bit integers,
# but `datetime` and most clients stop being able to render far beyond this).
MAX_EPOCH = 4_102_444_800


@dataclass(frozen=True, slots=True)
class ClockState:
    now: float
    frozen: bool
    offset: float  # seconds ahead of real time (negative: behind); 0 when released
    real: bool  # True when not set at all


class SandboxClock:
    def __init__(self, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self._offset = 0.0
        self._frozen_at: float | None = None

    def __call__(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._real() + self._offset

    def set(self, epoch: float, frozen: bool = True) -> None:
        """Jump to `epoch`: stopped there (`frozen`) or running on from it."""
        if frozen:
            self._frozen_at, self._offset = float(epoch), 0.0
        else:
            self._frozen_at, self._offset = None, float(epoch) - self._real()

    def advance(self, seconds: float) -> None:
        """Move forward (or back, with a negative number); a frozen clock stays frozen."""
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds

    def release(self) -> None:
        """Back to real time."""
        self._frozen_at, self._offset = None, 0.0

    def state(self) -> ClockState:
        frozen = self._frozen_at is not None
        offset = 0.0 if frozen else self._offset
        return ClockState(now=self(), frozen=frozen, offset=offset, real=not frozen and offset == 0.0)
