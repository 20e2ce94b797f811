"""Each worker keeps the scheduler of each learner's settings: the same settings give the same scheduler,
changed settings a new one built from them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quizapp.domain import scheduling


def test_the_same_settings_give_the_kept_scheduler():
    settings = scheduling.Settings(desired_retention=0.85)
    kept = scheduling.make_scheduler(settings)
    assert scheduling.make_scheduler(scheduling.Settings(desired_retention=0.85)) is kept
    assert kept.desired_retention == 0.85


def test_changed_settings_give_a_new_scheduler():
    settings = scheduling.Settings()
    before = scheduling.make_scheduler(settings)
    changed = replace(settings, desired_retention=0.8, learning_steps_minutes=(2, 20), maximum_interval_days=90)
    after = scheduling.make_scheduler(changed)
    assert after is not before
    assert (after.desired_retention, after.maximum_interval) == (0.8, 90)
    assert [s.total_seconds() for s in after.learning_steps] == [120, 1200]
    assert scheduling.make_scheduler(settings).desired_retention == 0.9  # the first settings still give theirs


def test_fuzzing_is_part_of_the_key():
    settings = scheduling.Settings(enable_fuzzing=True)
    assert scheduling.make_scheduler(settings).enable_fuzzing is True
    assert scheduling.make_scheduler(settings, fuzzing=False).enable_fuzzing is False
    assert scheduling.make_scheduler(settings).enable_fuzzing is True


def test_invalid_settings_are_refused_every_time():
    for _ in range(2):
        with pytest.raises(scheduling.SettingsError):
            scheduling.make_scheduler(scheduling.Settings(desired_retention=0.5))


def test_settings_with_a_list_still_give_a_scheduler():
    settings = scheduling.Settings(learning_steps_minutes=[1, 5])  # type: ignore[arg-type]
    assert [s.total_seconds() for s in scheduling.make_scheduler(settings).learning_steps] == [60, 300]
