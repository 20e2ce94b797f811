"""Review-log CSV: the py-fsrs format, read and written, with every bad row reported."""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.domain.revlog import LoggedReview, RevlogError, read_revlog, write_revlog

from ..revlog_gen import generate

HEADER = "card_id,review_rating,review_time,review_duration\n"


def test_reads_the_py_fsrs_format():
    text = HEADER + "1711684180217,1,2024-03-29T20:32:32.250000+00:00,25060\n42,3,2024-03-30T01:00:00+02:00,\n"
    first, second = read_revlog(text)
    assert first == LoggedReview("1711684180217", 1, dt.datetime(2024, 3, 29, 20, 32, 32, 250000, dt.UTC), 25060)
    assert second.time == dt.datetime(2024, 3, 29, 23, 0, tzinfo=dt.UTC) and second.duration_ms is None


def test_round_trip():
    reviews = generate(cards=20, days=60)
    assert read_revlog(write_revlog(reviews)) == reviews


def test_every_bad_row_is_reported_with_its_line():
    text = HEADER + (
        "1,5,2024-03-29T20:32:32+00:00,10\n"
        "2,3,yesterday,10\n"
        "3,3,2024-03-29T20:32:32,10\n"
        "4,2\n"
        ",3,2024-03-29T20:32:32+00:00,1\n"
        "5,3,2024-03-29T20:32:32+00:00,-4\n"
    )
    with pytest.raises(RevlogError) as info:
        read_revlog(text, "log.csv")
    assert info.value.problems == [
        "log.csv:2: review_rating must be 1, 2, 3 or 4, not '5'",
        "log.csv:3: review_time 'yesterday' is not an ISO-8601 time with a UTC offset",
        "log.csv:4: review_time '2024-03-29T20:32:32' is not an ISO-8601 time with a UTC offset",
        "log.csv:5: expected 4 columns, found 2",
        "log.csv:6: card_id is empty",
        "log.csv:7: review_duration must be a whole number of milliseconds, not '-4'",
    ]


def test_wrong_header_and_empty_file():
    with pytest.raises(RevlogError, match=r"log\.csv:1: the header must be card_id,review_rating"):
        read_revlog("id,rating\n1,3\n", "log.csv")
    with pytest.raises(RevlogError, match=r"log\.csv:1: the file is empty"):
        read_revlog("", "log.csv")
