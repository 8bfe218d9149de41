"""Quotas in Redis: every window is checked and counted together, and a refused call counts nothing."""

from __future__ import annotations

import pytest

from shared import quotas


def test_a_call_is_counted_in_every_window_and_refused_when_any_is_full(redis_conn):
    limit = "3 per minute; 5 per hour"
    for _ in range(3):
        quotas.spend("teste", "ana", limit)
    with pytest.raises(quotas.QuotaExceeded) as refused:
        quotas.spend("teste", "ana", limit)
    assert 1 <= refused.value.retry_after <= 60
    counters = {key.decode(): int(redis_conn.get(key)) for key in redis_conn.keys(f"*{quotas.PREFIX}*")}
    assert sorted(counters.values()) == [3, 3]  # the refused call added nothing to either window
    assert all(0 < redis_conn.ttl(key) <= 3600 for key in counters)
    quotas.spend("teste", "bia", limit)  # another key has its own windows


def test_a_cost_that_does_not_fit_counts_nothing_so_a_smaller_one_still_fits(redis_conn):
    quotas.spend("lote", "ana", "10 per minute", cost=4)
    with pytest.raises(quotas.QuotaExceeded):
        quotas.spend("lote", "ana", "10 per minute", cost=7)
    quotas.spend("lote", "ana", "10 per minute", cost=6)
    with pytest.raises(quotas.QuotaExceeded):
        quotas.spend("lote", "ana", "10 per minute")


def test_the_longest_window_decides_how_long_to_wait(redis_conn):
    limit = "100 per minute; 2 per day"
    quotas.spend("dia", "ana", limit, cost=2)
    with pytest.raises(quotas.QuotaExceeded) as refused:
        quotas.spend("dia", "ana", limit)
    assert refused.value.retry_after > 86_000


def test_an_empty_limit_or_a_zero_cost_counts_nothing(redis_conn):
    quotas.spend("nada", "ana", "")
    quotas.spend("nada", "ana", "1 per minute", cost=0)
    assert redis_conn.keys(f"*{quotas.PREFIX}*") == []
