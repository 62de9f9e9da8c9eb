"""Local time in the zone TZ names, as native CPython gives it: time's functions and attributes,
datetime's methods that read local time, logging's times and time.tzset, around daylight saving
time's changes (the hour that repeats and the hour that never is) and in zones north and south.
tests/tests/sandbox.rs runs it with several TZ values, natively and in the sandbox (--env TZ)."""
import datetime
import logging
import math
import os
import time

from transcript import attempt

# Instants around Europe's, America's and Australia's changes, and a few plain ones.
INSTANTS = [0, 1700000000, 1711846799, 1711846800, 1711850400, 1729990799, 1729990800, 1729994400,
            1710053999, 1710054000, 1730613599, 1730613600, 1730617200, 1712419199, 1712419200,
            1712422800, 1727971199, 1727971200, -1000000000, 2000000000, 4102444800]
# Wall times (tm tuples) in a repeated hour, a missing hour, and plain, for mktime and timestamp().
WALLS = [(2024, 10, 27, 2, 30, 0), (2024, 3, 31, 2, 30, 0), (2024, 11, 3, 1, 30, 0), (2024, 3, 10, 2, 30, 0),
         (2024, 4, 7, 2, 30, 0), (2024, 10, 6, 2, 30, 0), (2024, 1, 15, 12, 0, 0), (2024, 7, 15, 12, 0, 0),
         (2024, 13, 40, 25, 61, 61)]


def show_zone():
    print("zone:", os.environ.get("TZ"), time.tzname, time.timezone, time.altzone, time.daylight)
    for t in INSTANTS:
        lt = time.localtime(t)
        print(t, tuple(lt), lt.tm_zone, lt.tm_gmtoff, time.strftime("%Y-%m-%d %H:%M:%S %Z %z", lt), time.ctime(t))
        d = datetime.datetime.fromtimestamp(t)
        print("  ", d, d.fold, d.timestamp(), datetime.date.fromtimestamp(t), d.astimezone(), d.astimezone().tzname())
        print("  ", datetime.datetime.fromtimestamp(t + 0.5), datetime.datetime.fromtimestamp(t, datetime.timezone.utc).astimezone())
    for wall in WALLS:
        for isdst in (-1, 0, 1):
            attempt(f"mktime({wall}, {isdst})", lambda: time.mktime(wall + (0, 0, isdst)))
        if wall[1] <= 12:
            # In a missing hour astimezone() changed in Python 3.12 (gh-83861): its instant is now
            # timestamp()'s. CPython's test_system_transitions checks that; here only timestamp().
            missing = datetime.datetime(*wall).timestamp() > datetime.datetime(*wall, fold=1).timestamp()
            for fold in (0, 1):
                naive = datetime.datetime(*wall, fold=fold)
                attempt(f"  fold {fold}", lambda: naive.timestamp() if missing else
                        (naive.timestamp(), naive.astimezone(), naive.astimezone(datetime.timezone.utc)))


show_zone()
now = time.time()
print("now:", abs(time.mktime(time.localtime(now)) - math.floor(now)) < 1,
      abs(datetime.datetime.now().timestamp() - now) < 5, abs(datetime.datetime.today().timestamp() - now) < 5,
      datetime.date.today() == datetime.datetime.fromtimestamp(now).date(),
      time.strftime("%Z") == time.localtime().tm_zone, time.asctime() in {time.ctime(now + s) for s in range(-1, 3)})
# Seconds pass between the calls, and asctime() reads time(NULL), which glibc answers from the
# kernel's coarse clock: natively it may trail time.time() by a tick, across a second's edge.
attempt("localtime(nan)", lambda: time.localtime(float("nan")))
attempt("localtime(1e20)", lambda: time.localtime(1e20))
attempt("localtime('1')", lambda: time.localtime("1"))
attempt("mktime((1, 2))", lambda: time.mktime((1, 2)))
attempt("ctime(nan)", lambda: time.ctime(float("nan")))
attempt("fromtimestamp(nan)", lambda: datetime.datetime.fromtimestamp(float("nan")))
attempt("fromtimestamp(1e20)", lambda: datetime.datetime.fromtimestamp(1e20))
attempt("date.fromtimestamp(1e20)", lambda: datetime.date.fromtimestamp(1e20))
attempt("astimezone(5)", lambda: datetime.datetime(2024, 1, 1).astimezone(5))


class Subclass(datetime.datetime):
    pass


print("subclass:", type(Subclass.fromtimestamp(1700000000)).__name__, type(Subclass.now()).__name__,
      type(Subclass(2024, 1, 1).astimezone()).__name__)
formatter = logging.Formatter("%(asctime)s %(message)s")
record = logging.makeLogRecord({"msg": "hello", "created": 1700000000.25, "msecs": 250.0})
print("logging:", formatter.format(record))

# time.tzset reads TZ again.
for tz in ("Asia/Kolkata", "America/Sao_Paulo", "UTC", ""):
    os.environ["TZ"] = tz
    time.tzset()
    print("tzset:", repr(tz), time.tzname, time.timezone, time.altzone, time.daylight,
          tuple(time.localtime(1700000000)), time.localtime(1700000000).tm_zone, datetime.datetime.fromtimestamp(1700000000))
