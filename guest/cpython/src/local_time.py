"""Local time in the program's time zone, as Linux's libc gives it.

WASI's libc knows no time zones: its localtime is UTC whatever TZ says, so in the sandbox
`time.localtime()`, `time.strftime("%H:%M")`, `datetime.now()`, `datetime.fromtimestamp(t)`, a
naive datetime's `timestamp()`, `astimezone()` and logging's times were UTC where python3 shows
local time, and `time.tzset` was absent. Here the zone is found as glibc finds it: TZ (a zone's
name, with or without a leading colon, a TZif file's path, or a POSIX rule such as
"EST5EDT,M3.2.0,M11.1.0"), else /etc/localtime, else UTC; its rules are read with `zoneinfo`, from
the files python3 reads (the `pysock` command gives the sandbox the machine's zones and its time
zone, see README.md).

`time.mktime` stands in for the interpreter's in every zone (glibc reads a DST flag that UTC never
has as an hour ahead, where WASI's libc ignores it). In a zone that is UTC, the other functions stay
the interpreter's, as they are right there. In any other, `time`'s functions that give local time
(localtime, ctime, asctime and strftime of the time now) stand in for the interpreter's, and so do
`datetime`'s methods that read local time;
`time.tzset()` reads TZ again and puts `time.timezone`, `altzone`, `daylight` and `tzname` as
CPython computes them from January's and July's local time. Each stand-in checks and converts its
arguments with the interpreter's own function, so its errors are CPython's.
"""

import datetime
import io
import math
import os
import struct
import sys
import time

from _pysock._builtin_function import _set_on_immutable_type, builtin_function

_zone = None  # a zoneinfo.ZoneInfo, or None where local time is UTC
_installed = False
_real = {}


def _posix_rule_zone(rule):
    """A ZoneInfo for a POSIX TZ rule: a TZif file whose footer is the rule. glibc works out a
    rule's changes for 1970 in any earlier year, so every time before 1970 has the local time type
    of 1970's first instant: one transition, at 0, to that type, keeps it for all before."""
    import zoneinfo

    def tzif(types, transitions):
        abbreviations, packed = b"", b""
        for offset, dst, abbreviation in types:
            packed += struct.pack(">lBB", offset, dst, len(abbreviations))
            abbreviations += abbreviation.encode() + b"\0"
        # Counts: UT/local indicators, standard/wall indicators, leap seconds, transitions, types,
        # abbreviations' bytes.
        counts = struct.pack(">6l", 0, 0, 0, len(transitions), len(types), len(abbreviations))
        header = b"TZif2" + bytes(15) + counts
        body = lambda width: b"".join(struct.pack(width, t) for t in transitions) + bytes(len(transitions)) + packed + abbreviations
        data = header + body(">l") + header + body(">q") + b"\n" + rule.encode() + b"\n"
        return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=rule)

    ruled = tzif([(0, 0, "UTC")], [])
    first = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc).astimezone(ruled)
    first_type = (int(first.utcoffset().total_seconds()), int(bool(first.dst())), first.tzname())
    return tzif([first_type], [0])


def _is_posix_rule(tz):
    """musl's test: a name (letters, or anything in <>) then an offset, or UTC or GMT alone."""
    i = 0
    if tz.startswith("<"):
        i = tz.find(">") + 1 if ">" in tz else len(tz)
    else:
        while i < len(tz) and tz[i].isascii() and tz[i].isalpha():
            i += 1
    return i > 0 and (tz[i:i + 1] in ("+", "-") or tz[i:i + 1].isdigit() or tz[:i] in ("UTC", "GMT"))


def _zone_file(name):
    """The zone in the TZif file `name` (a path, or a name under the zone folders), or None."""
    import zoneinfo
    try:
        if name.startswith(("/", ".")):
            with open(name, "rb") as f:
                return zoneinfo.ZoneInfo.from_file(f, key=name)
        return zoneinfo.ZoneInfo(name)
    except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def _find_zone():
    """The zone TZ names as glibc reads it (a zone file first, then a POSIX rule), or
    /etc/localtime's; None for UTC or nothing found."""
    tz = os.environ.get("TZ")
    try:
        if tz is None:
            with open("/etc/localtime", "rb") as f:
                data = f.read()
            # The usual case on servers, known without importing zoneinfo at every start-up.
            if data.startswith(b"TZif") and data[32:36] == bytes(4) and data.endswith(b"\nUTC0\n"):
                return None
            import zoneinfo
            zone = zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key="localtime")
        elif tz == "":
            return None
        else:
            zone = _zone_file(tz[1:] if tz.startswith(":") else tz)
            if zone is None and not tz.startswith(":"):
                # Not a file: a POSIX rule, or a name alone, which glibc reads as that name at UTC.
                name = tz.split("/")[0]
                rule = tz if _is_posix_rule(tz) else f"<{name}>0" if len(name) >= 3 and name.isalpha() else None
                zone = _posix_rule_zone(rule) if rule else None
    except (OSError, ValueError):
        return None
    if zone is None:
        return None
    # A zone that is UTC at every moment is what the interpreter's functions give already.
    probes = [datetime.datetime(year, month, 1, tzinfo=zone) for year in (1970, 2000, 2030) for month in (1, 7)]
    if all(p.utcoffset() == datetime.timedelta(0) and p.tzname() == "UTC" for p in probes):
        return None
    return zone


def _local(seconds):
    """The aware datetime in the zone (UTC where local time is UTC) for whole `seconds` since the
    epoch."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).astimezone(_zone or datetime.timezone.utc)


def localtime(*args):
    """localtime([seconds]) -> (tm_year,tm_mon,tm_mday,tm_hour,tm_min,
                          tm_sec,tm_wday,tm_yday,tm_isdst)

Convert seconds since the Epoch to a time tuple expressing local time.
When 'seconds' is not passed in, convert the current time instead."""
    utc = _real["gmtime"](*args)  # the interpreter's checks and rounding of `seconds`
    if _zone is None:
        return _real["localtime"](*args)
    import calendar
    try:
        local = _local(calendar.timegm(utc))
    except (OverflowError, ValueError):
        return _real["localtime"](*args)  # beyond datetime's years: UTC, as before
    offset = int(local.utcoffset().total_seconds())
    fields = local.timetuple()[:8] + (1 if local.dst() else 0, local.tzname(), offset)
    return time.struct_time(fields)


_mktime_offset = 0  # glibc's guess of the offset for the next mktime: the last call's


def _offset_and_dst(seconds):
    local = _local(seconds)
    return int(local.utcoffset().total_seconds()), bool(local.dst())


def mktime(t, /):
    """mktime(tuple) -> floating-point number

Convert a time tuple in local time to seconds since the Epoch.
Note that mktime(gmtime(0)) will not generally return zero for most
time zones; instead the returned value will either be >= 0 or >= -1
depending on the time zone."""
    global _mktime_offset
    wall = _real["mktime"](t)  # checks the tuple; the wall time read as UTC, its fields normalized
    wall, isdst = int(wall), t[8]
    # glibc's search, whose answers in a repeated or a missing hour programs see: start from the
    # last call's offset and step by the error until the wall time matches; in a missing hour it
    # oscillates and keeps the time its DST flag prefers; then, for a DST flag the match lacks,
    # takes the offset of the nearest time that has it.
    guess = _mktime_offset
    t0 = start = wall + guess
    t1 = t2 = t0
    dst2 = False
    probes = 6
    try:
        while True:
            offset, dst = _offset_and_dst(start)
            error = wall - (start + offset)
            if error == 0:
                break
            if start == t1 and start != t2:
                # Oscillating across a missing hour: the time whose DST flag differs from the one
                # asked for (for none asked, the one in DST), an hour from the wall time.
                if dst == (isdst > 0):
                    start, dst = t2, dst2
                break
            probes -= 1
            if probes == 0:
                raise OverflowError("mktime argument out of range")
            t1, t2, start, dst2 = t2, start, start + error, dst
        if error == 0 and isdst >= 0 and (isdst != 0) != dst:
            stride = 601200
            for delta in range(stride, 536454000 // 2 + stride, stride):
                found = None
                for direction in (-1, 1):
                    other = start + delta * direction
                    other_offset, other_dst = _offset_and_dst(other)
                    if (isdst != 0) == other_dst:
                        found = other + (wall - (other + other_offset))
                        break
                if found is not None:
                    start = found
                    break
            else:
                # No time near has the flag: DST read as an hour ahead, as glibc does.
                start += -3600 if isdst else 3600
    except (OverflowError, ValueError):
        raise OverflowError("mktime argument out of range") from None
    _mktime_offset = guess + start - t0
    return float(start)


def ctime(*args):
    """ctime(seconds) -> string

Convert a time in seconds since the Epoch to a string in local time.
This is equivalent to asctime(localtime(seconds)). When the time tuple is
not present, current time as returned by localtime() is used."""
    return _real["asctime"](localtime(*args))


def asctime(*args):
    """asctime([tuple]) -> string

Convert a time tuple to a string, e.g. 'Sat Jun 06 16:26:11 1998'.
When the time tuple is not present, current time as returned by localtime()
is used."""
    return _real["asctime"](*(args or (localtime(),)))


def strftime(format, *args):
    """strftime(format[, tuple]) -> string

Convert a time tuple to a string according to a format specification.
See the library reference manual for formatting codes. When the time tuple
is not present, current time as returned by localtime() is used.
"""
    return _real["strftime"](format, *(args or (localtime(),)))


def tzset():
    """tzset()

Initialize, or reinitialize, the local timezone to the value of the environment
variable TZ or the system default. See the library reference manual for details."""
    global _zone
    _zone = _find_zone()
    if _zone is not None:
        _install_stand_ins()
    _set_attributes()


def _set_attributes():
    """`timezone`, `altzone`, `daylight` and `tzname`, from January's and July's local time of this
    year, as CPython's time module computes them where libc gives none."""
    if _zone is None:
        values = (0, 0, 0, ("UTC", "UTC"))
    else:
        year = int((_real["time"]() // 31557600) * 31557600)
        january, july = localtime(year), localtime(year + 31557600 // 2)
        jan_zone, july_zone = -january.tm_gmtoff, -july.tm_gmtoff
        if jan_zone < july_zone:  # the southern hemisphere's DST
            values = (july_zone, jan_zone, int(jan_zone != july_zone), (july.tm_zone, january.tm_zone))
        else:
            values = (jan_zone, july_zone, int(jan_zone != july_zone), (january.tm_zone, july.tm_zone))
    time.timezone, time.altzone, time.daylight, time.tzname = values


# `datetime`'s methods that read local time, in Python over the zone; the interpreter's own for a
# time zone given.
def _now(cls, tz=None):
    if tz is not None or _zone is None:
        return _real["now"].__get__(None, cls)(tz)
    return cls.fromtimestamp(_real["time"]())


def _fromtimestamp(cls, timestamp, tz=None):
    if tz is not None or _zone is None:
        return _real["fromtimestamp"].__get__(None, cls)(timestamp, tz)
    # The interpreter's checks and rounding, in UTC; then the zone's wall time.
    utc = _real["fromtimestamp"].__get__(None, datetime.datetime)(timestamp, datetime.timezone.utc)
    local = utc.astimezone(_zone)
    return cls(local.year, local.month, local.day, local.hour, local.minute, local.second,
               local.microsecond, fold=local.fold)


def _date_fromtimestamp(cls, timestamp):
    if _zone is None:
        return _real["date_fromtimestamp"].__get__(None, cls)(timestamp)
    local = _fromtimestamp(datetime.datetime, timestamp)
    return cls(local.year, local.month, local.day)


def _timestamp(self):
    if self.tzinfo is not None or _zone is None:
        return _real["timestamp"](self)
    return _real["timestamp"](self.replace(tzinfo=_zone))


def _fixed_local(seconds):
    """The fixed offset and name local time has at `seconds`, as CPython's local_timezone makes."""
    local = _local(math.floor(seconds))
    return datetime.timezone(local.utcoffset(), local.tzname())


def _astimezone(self, tz=None):
    if _zone is None or (tz is not None and not isinstance(tz, datetime.tzinfo)):
        return _real["astimezone"](self, tz)
    # CPython's steps: a naive time is local, with the offset local time has at the instant its
    # timestamp() names, or in a missing hour at the instant the other fold names (so that the
    # result is the instant timestamp() gives); the result's zone, when none is given, is local
    # time's at the result.
    own = self.tzinfo
    offset = own.utcoffset(self) if own is not None else None
    if offset is None:
        naive = self.replace(tzinfo=None)
        seconds, other = _timestamp(naive), _timestamp(naive.replace(fold=not self.fold))
        if other != seconds and (other > seconds) == bool(self.fold):
            seconds = other
        own = _fixed_local(seconds)
        offset = own.utcoffset(self)
    if tz is None:
        utc = self.replace(tzinfo=None) - offset
        tz = _fixed_local((utc - datetime.datetime(1970, 1, 1)).total_seconds())
    return _real["astimezone"](self.replace(tzinfo=own), tz)


def _install_stand_ins():
    """Puts the stand-ins in `time` and on `datetime`'s types, once."""
    global _installed
    if _installed:
        return
    _installed = True
    for function in (localtime, ctime, asctime, strftime):
        made = builtin_function(function, time)
        setattr(time, function.__name__, made)
    logging = sys.modules.get("logging")
    if logging is not None and logging.Formatter.converter is _real["localtime"]:
        logging.Formatter.converter = time.localtime
    for kind, name, function, kind_of in (
            (datetime.datetime, "now", _now, classmethod), (datetime.datetime, "fromtimestamp", _fromtimestamp, classmethod),
            (datetime.date, "fromtimestamp", _date_fromtimestamp, classmethod),
            (datetime.datetime, "timestamp", _timestamp, None), (datetime.datetime, "astimezone", _astimezone, None)):
        real = vars(kind)[name]
        function.__name__, function.__qualname__, function.__doc__ = name, f"{kind.__name__}.{name}", real.__doc__
        _set_on_immutable_type(kind, name, kind_of(function) if kind_of else function)


def install():
    """Keeps the interpreter's functions, puts `time.tzset`, and the stand-ins where TZ (or
    /etc/localtime) names a zone that is not UTC. Reads files: only when the run has begun."""
    if not _real:
        _real.update(localtime=time.localtime, gmtime=time.gmtime, mktime=time.mktime, asctime=time.asctime,
                     strftime=time.strftime, time=time.time, now=vars(datetime.datetime)["now"],
                     fromtimestamp=vars(datetime.datetime)["fromtimestamp"],
                     date_fromtimestamp=vars(datetime.date)["fromtimestamp"],
                     timestamp=datetime.datetime.timestamp, astimezone=datetime.datetime.astimezone)
    time.tzset = builtin_function(tzset, time)
    # Even in UTC: glibc reads a DST flag that UTC never has as an hour ahead, where WASI's libc
    # ignores it.
    time.mktime = builtin_function(mktime, time)
    tzset()
