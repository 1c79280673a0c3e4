"""The shared retry rules and error wording, as plain functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import format_datetime

import pytest

from panels.providers import retry
from panels.providers.base import Completion, ProviderError


def test_retry_after_reads_seconds_milliseconds_and_http_dates():
    assert retry.retry_after({"Retry-After": "3"}) == 3.0
    assert retry.retry_after({"retry-after": "1.5"}) == 1.5
    assert retry.retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    assert 15 < (retry.retry_after({"Retry-After": format_datetime(soon, usegmt=True)}) or 0) <= 20
    assert retry.retry_after({"Retry-After": "soon"}) is None
    assert retry.retry_after({}) is None


def test_backoff_is_full_jitter_below_a_doubling_capped_ceiling():
    top = retry.Policy(base_delay_s=0.5, max_delay_s=3.0, rand=lambda: 1.0)
    assert [top.delay(k, None) for k in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    bottom = retry.Policy(rand=lambda: 0.0)
    assert bottom.delay(3, None) == 0.0


def test_a_vendor_wait_replaces_the_backoff_and_is_capped():
    policy = retry.Policy(max_retry_after_s=30.0)
    assert policy.delay(1, 12.0) == 12.0
    assert policy.delay(1, 3600.0) == 30.0


@pytest.mark.parametrize(
    "options", [{"max_retries": "many"}, {"max_retries": -1}, {"retry_base_s": None}]
)
def test_malformed_retry_options_fail_loudly(options):
    with pytest.raises(ProviderError, match="retry"):
        retry.Policy.from_options(options)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (408, True),
        (409, True),
        (422, False),
        (429, True),
        (500, True),
        (503, True),
        (529, True),
    ],
)
def test_which_statuses_are_retried(status, retryable):
    failure = retry.from_status("V", status, body=None, headers={}, api_key=None)
    assert failure.retryable is retryable


def test_the_vendor_message_is_taken_from_either_vendors_error_body():
    openai_body = {"error": {"message": "Invalid model", "type": "invalid_request_error"}}
    anthropic_body = {"type": "error", "error": {"type": "x", "message": "Overloaded"}}
    assert retry.vendor_message(openai_body) == "Invalid model"
    assert retry.vendor_message(anthropic_body) == "Overloaded"
    assert retry.vendor_message({"error": "bad gateway"}) == "bad gateway"
    assert retry.vendor_message("upstream timeout") == "upstream timeout"
    assert retry.vendor_message("<html>502</html>") == ""
    failure = retry.from_status("V", 502, body="<html>", headers={}, api_key=None)
    assert str(failure) == "V answered HTTP 502: Bad Gateway"


def test_plain_removes_the_key_and_key_like_strings_and_shortens():
    key = "my-very-own-secret-key-123"
    text = (
        f"Bad key {key}; also sk-proj-****************abcd and\nsk-ant-api03-xyzxyzxyz, "
        f"gsk_{'q' * 40} and {'0f' * 32}; api_version and key_name are fine"
    )
    cleaned = retry.plain(text, api_key=key)
    assert "api_version and key_name are fine" in cleaned
    assert "qqqq" not in cleaned
    assert "0f0f" not in cleaned
    assert key not in cleaned
    assert "abcd" not in cleaned
    assert "xyzxyz" not in cleaned
    assert "\n" not in cleaned
    assert len(retry.plain("word " * 200, api_key=None)) == retry.MAX_MESSAGE_CHARS


async def test_call_retries_until_success_and_stops_once_text_was_emitted():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    outcomes: Iterator[retry.Failure | str] = iter(
        [retry.Failure("busy", retryable=True, retry_after_s=2.0), "ok"]
    )

    async def attempt(sink):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        await sink(outcome)
        return Completion(outcome)

    seen: list[str] = []

    async def on_delta(delta: str) -> None:
        seen.append(delta)

    policy = retry.Policy(sleep=sleep)
    assert (await retry.call(attempt, on_delta=on_delta, policy=policy)).text == "ok"
    assert waits == [2.0]
    assert seen == ["ok"]

    async def breaks_after_text(sink):
        await sink("half")
        raise retry.Failure("broke", retryable=True)

    with pytest.raises(ProviderError, match="broke") as caught:
        await retry.call(breaks_after_text, on_delta=on_delta, policy=policy)
    assert caught.value.retryable
    assert waits == [2.0]  # no second wait: not retried
