"""Fault injection for tests, driven through the /_test/ control API.

A rule matches requests by path regex (re.search on the path, query string
excluded) and optional methods, and fires for its next `count` matches and/or
until `seconds` have passed. Actions:
  delay     sleep `ms` before answering
  throttle  429 TooManyRequests with Retry-After: `retryAfter`
  error     `code` (default 500) InternalError Status
  garbage   200 with a body that is not valid JSON (a broken line in a watch)
Control requests (/_test/...) are never affected.
"""
import collections
import re
import threading
import time

ACTIONS = ("delay", "throttle", "error", "garbage")


class Rule:
    def __init__(self, action, spec):
        if action not in ACTIONS:
            raise ValueError("unknown fault action %r" % action)
        self.action = action
        self.pattern = spec.get("path")
        self.regex = re.compile(self.pattern) if self.pattern else None
        methods = spec.get("methods") or spec.get("method")
        if isinstance(methods, str):
            methods = [methods]
        self.methods = {m.upper() for m in methods} if methods else None
        self.count = spec.get("count")
        seconds = spec.get("seconds")
        self.until = time.monotonic() + float(seconds) if seconds else None
        if self.count is None and self.until is None:
            self.count = 1
        self.ms = int(spec.get("ms", 0))
        self.retry_after = int(spec.get("retryAfter", 1))
        self.code = int(spec.get("code", 500))

    def expired(self, now):
        return (self.count is not None and self.count <= 0) or \
            (self.until is not None and now >= self.until)

    def matches(self, method, path):
        if self.methods and method not in self.methods:
            return False
        return self.regex is None or self.regex.search(path) is not None

    def describe(self):
        out = {"action": self.action, "path": self.pattern, "count": self.count}
        if self.methods:
            out["methods"] = sorted(self.methods)
        if self.until is not None:
            out["secondsLeft"] = round(max(0.0, self.until - time.monotonic()), 3)
        if self.action == "delay":
            out["ms"] = self.ms
        if self.action == "throttle":
            out["retryAfter"] = self.retry_after
        if self.action == "error":
            out["code"] = self.code
        return out


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.watch_close_interval = 0.0
        self.watch_close_since = 0.0

    def add(self, action, spec):
        rule = Rule(action, spec)
        with self.lock:
            self.rules.append(rule)
        return rule.describe()

    def set_watch_close_interval(self, seconds):
        with self.lock:
            self.watch_close_interval = float(seconds or 0)
            self.watch_close_since = time.monotonic()

    def watch_deadline(self, started):
        """When a watch started at `started` must end because of the interval, or None."""
        with self.lock:
            if self.watch_close_interval <= 0:
                return None
            return max(started, self.watch_close_since) + self.watch_close_interval

    def take(self, method, path):
        """(delay_ms, failing rule or None) for a request; consumes counts."""
        now = time.monotonic()
        delay, failure = 0, None
        with self.lock:
            self.rules = [r for r in self.rules if not r.expired(now)]
            for rule in self.rules:
                if not rule.matches(method, path):
                    continue
                if rule.action == "delay":
                    delay += rule.ms
                elif failure is None:
                    failure = rule
                else:
                    continue
                if rule.count is not None:
                    rule.count -= 1
        return delay, failure

    def reset(self):
        with self.lock:
            self.rules = []
            self.watch_close_interval = 0.0

    def describe(self):
        now = time.monotonic()
        with self.lock:
            return {"rules": [r.describe() for r in self.rules if not r.expired(now)],
                    "watchCloseIntervalSeconds": self.watch_close_interval}


class RequestLog:
    """The last requests served (not counting /_test/), for tests to inspect."""

    def __init__(self, size=5000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=size)
        self.total = 0

    def add(self, method, path, query, code, user_agent, watch=False, delay_ms=0):
        with self.lock:
            self.total += 1
            self.entries.append({"seq": self.total, "method": method, "path": path,
                                 "query": query, "code": code, "userAgent": user_agent,
                                 "watch": watch, "delayMs": delay_ms, "time": time.time()})

    def dump(self):
        with self.lock:
            return {"total": self.total, "requests": list(self.entries)}

    def clear(self):
        with self.lock:
            self.entries.clear()
