"""Time zones as python3 finds them: `zoneinfo` reads the machine's /usr/share/zoneinfo, which the
`pysock` command gives the sandbox read-only (where the machine has none, both say so alike).
tests/tests/sandbox.rs compares this with native CPython."""
import datetime
import zoneinfo

from transcript import attempt


def offsets(key):
    zone = zoneinfo.ZoneInfo(key)
    return [str(datetime.datetime(2026, month, 1, 12, tzinfo=zone).utcoffset()) for month in (1, 7)]


for key in ("Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC", "No/Such_Zone"):
    try:
        print(key, offsets(key))
    except zoneinfo.ZoneInfoNotFoundError as e:
        print(key, type(e).__name__)
attempt("many zones", lambda: len(zoneinfo.available_timezones()) > 300)
