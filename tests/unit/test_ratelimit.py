"""gateway.ratelimit: a sliding window per key, waits that end when the oldest event leaves it."""

from __future__ import annotations

from gateway.ratelimit import Limit, SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_window_slides() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(clock)
    limit = Limit(3, 60)
    for second in (0, 10, 20):
        clock.now = 1000 + second
        assert await limiter.hit("ip:1", limit) == 0
    clock.now = 1030
    assert await limiter.hit("ip:1", limit) == 30  # the event at 0 s leaves the window at 60 s
    assert await limiter.hit("ip:2", limit) == 0  # other keys are counted apart
    clock.now = 1060
    assert await limiter.hit("ip:1", limit) == 0
    assert await limiter.hit("ip:1", limit) == 10  # now the event at 10 s is the oldest of three


async def test_refused_events_are_not_counted() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(clock)
    limit = Limit(1, 10)
    assert await limiter.hit("k", limit) == 0
    for _ in range(5):
        clock.now += 1
        assert await limiter.hit("k", limit) > 0
    clock.now = 1010
    assert await limiter.hit("k", limit) == 0


async def test_a_zero_count_is_no_limit() -> None:
    limiter = SlidingWindowLimiter(Clock())
    assert all([await limiter.hit("k", Limit(0, 60)) == 0 for _ in range(100)])
    assert len(limiter) == 0


async def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(clock)
    for client in range(1500):
        await limiter.hit(f"ip:{client}", Limit(5, 60))
    clock.now += 61
    for client in range(600):
        await limiter.hit(f"new:{client}", Limit(5, 60))
    assert len(limiter) < 1500
