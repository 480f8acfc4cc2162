"""A clock that moves only when a test says so, for code that reads `utcnow()`."""
import datetime as dt


class FrozenClock:
    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def move_to(self, moment: dt.datetime) -> None:
        self.now = max(self.now, moment)
