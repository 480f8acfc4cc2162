"""The opening hours as a week (the admins' form) and back to OPENING_HOURS' syntax."""
import datetime as dt

import pytest

from shared import hours
from shared import weekly_hours


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


SPLIT_FRIDAY = [[(t("08:30"), t("16:30"))]] * 4 + [
    [(t("08:30"), t("12:00")), (t("14:00"), t("16:30"))], [(t("09:00"), t("12:00"))], []]


def test_a_week_is_written_with_consecutive_equal_days_once_and_read_back():
    spec = weekly_hours.to_spec(SPLIT_FRIDAY)
    assert spec == ("mon-thu 08:30-16:30; fri 08:30-12:00; fri 14:00-16:30; "
                    "sat 09:00-12:00")
    assert weekly_hours.from_spec(spec) == SPLIT_FRIDAY
    assert hours.parse(spec).windows == hours.parse(
        "mon 08:30-16:30; tue 08:30-16:30; wed 08:30-16:30; thu 08:30-16:30; "
        "fri 08:30-12:00; fri 14:00-16:30; sat 09:00-12:00").windows


def test_equal_days_apart_are_written_apart():
    week = [[(t("09:00"), t("12:00"))], [], [(t("09:00"), t("12:00"))], [], [], [], []]
    assert weekly_hours.to_spec(week) == "mon 09:00-12:00; wed 09:00-12:00"
    assert weekly_hours.to_spec([[]] * 7) == ""


def test_a_days_ranges_are_sorted_blank_ones_skipped_touching_ones_kept():
    assert weekly_hours.day_ranges([("14:00", "16:30"), ("", ""), ("08:30", "14:00"),
                                    (" 7:00 ", "08:00:00")]) == [
        (t("07:00"), t("08:00")), (t("08:30"), t("14:00")), (t("14:00"), t("16:30"))]


@pytest.mark.parametrize("typed, reason, values", [
    ([("12:00", "08:00")], "end_before_start", {"start": "12:00", "end": "08:00"}),
    ([("08:00", "08:00")], "end_before_start", {"start": "08:00", "end": "08:00"}),
    ([("08:00", "12:01"), ("12:00", "13:00")], "overlap",
     {"first": "08:00-12:01", "second": "12:00-13:00"}),
    ([("08:00", "17:00"), ("09:00", "10:00")], "overlap",
     {"first": "08:00-17:00", "second": "09:00-10:00"}),
    ([("24:00", "25:00")], "bad_time", {"time": "24:00"}),
    ([("08:60", "09:00")], "bad_time", {"time": "08:60"}),
    ([("8h", "9h")], "bad_time", {"time": "8h"}),
    ([("", "09:00")], "missing_time", {"start": "…", "end": "09:00"}),
])
def test_a_wrong_range_is_refused_naming_it(typed, reason, values):
    with pytest.raises(weekly_hours.Refused) as refused:
        weekly_hours.day_ranges(typed)
    assert (refused.value.reason, refused.value.values) == (reason, values)
