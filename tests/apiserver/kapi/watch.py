"""Watch streams: newline-delimited JSON events over chunked HTTP/1.1.

Semantics follow the kube-apiserver watch cache:
- no resourceVersion, "0", or sendInitialEvents=true: synthetic ADDED events
  for the current objects first (then, with sendInitialEvents and bookmarks,
  a BOOKMARK annotated k8s.io/initial-events-end);
- resourceVersion=N: every change after N, or an ERROR event carrying a 410
  Expired Status when N is older than the kept history;
- with selectors, an object moving into the selection arrives as ADDED and
  one moving out as DELETED;
- allowWatchBookmarks=true: a BOOKMARK (only metadata.resourceVersion) every
  bookmark interval;
- timeoutSeconds ends the stream cleanly (after a last BOOKMARK when
  bookmarks are allowed); a watcher that falls out of the history window
  gets a 410 ERROR and the stream ends.
"""
import json
import random
import select
import socket
import ssl
import threading
import time

from . import errors

DEFAULT_MIN_TIMEOUT = 1800
# After sending a batch, a busy watcher waits this long before taking the next
# one, so under a stream of writes it sends many events per wakeup and TLS
# record instead of waking (and contending for the GIL) once per write.
COALESCE_SECONDS = 0.003


class Watcher:
    def __init__(self, sock):
        self.sock = sock
        self.dropped = False
        self.expired = False

    def drop(self):
        """Cut the connection now (no terminating chunk), like a network failure."""
        self.dropped = True
        try:
            # socket.socket.shutdown, not SSLSocket.shutdown: the stream thread
            # still owns the TLS state; shutting the fd makes its writes fail.
            socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass


class WatchRegistry:
    def __init__(self, store):
        self.store = store
        self.lock = threading.Lock()
        self.watchers = set()

    def add(self, watcher):
        with self.lock:
            self.watchers.add(watcher)

    def remove(self, watcher):
        with self.lock:
            self.watchers.discard(watcher)

    def count(self):
        with self.lock:
            return len(self.watchers)

    def drop_all(self):
        with self.lock:
            watchers = list(self.watchers)
        for w in watchers:
            w.drop()
        with self.store.changed:
            self.store.changed.notify_all()
        return len(watchers)

    def expire_all(self):
        """Make every open watch end with a 410 Expired ERROR event."""
        with self.lock:
            watchers = list(self.watchers)
        for w in watchers:
            w.expired = True
        with self.store.changed:
            self.store.changed.notify_all()
        return len(watchers)


def too_old_status(rv, oldest):
    return errors.status_object(410, "Expired", "too old resource version: %d (%d)"
                                % (rv, oldest))


def _event_line(etype, obj):
    return json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"


class WatchRequest:
    """The parsed parameters of one watch."""

    def __init__(self, res, ns, label_sel, field_sel, params, transform=None):
        self.res, self.ns = res, ns
        self.label_sel, self.field_sel = label_sel, field_sel
        self.transform = transform            # obj dict -> obj dict (Table, metadata)
        self.rv = params.get("resourceVersion") or ""
        try:
            self.timeout = int(params.get("timeoutSeconds") or 0)
        except ValueError:
            raise errors.bad_request("invalid timeoutSeconds: %r" % params["timeoutSeconds"])
        if self.timeout <= 0:   # unset or 0: the server's own, randomised, timeout
            self.timeout = int(DEFAULT_MIN_TIMEOUT * (1 + random.random()))
        self.bookmarks = params.get("allowWatchBookmarks") in ("true", "1")
        self.send_initial = params.get("sendInitialEvents") in ("true", "1")
        if self.rv not in ("", "0"):
            try:
                self.start_rv = int(self.rv)
            except ValueError:
                raise errors.ApiError(
                    400, "BadRequest", 'invalid resource version "%s": strconv.ParseUint: '
                    'parsing "%s": invalid syntax' % (self.rv, self.rv))
        else:
            self.start_rv = None
        self.filtering = not label_sel.empty() or not field_sel.empty()

    def matches(self, obj):
        return self.label_sel.matches(obj["metadata"].get("labels")) and \
            self.field_sel.matches(obj)

    def classify(self, event):
        """The event type this watcher sees for a store event, or None."""
        if event.res is not self.res:
            return None
        if self.ns and self.res.namespaced and event.key[0] != self.ns:
            return None
        if not self.filtering:
            return event.type
        now = self.matches(event.obj.obj)
        if event.type != "MODIFIED":
            return event.type if now else None
        before = self.matches(event.prev.obj)
        if now and before:
            return "MODIFIED"
        if now:
            return "ADDED"
        return "DELETED" if before else None

    def line(self, event, etype):
        if self.transform is None:
            return event.line(etype)
        return _event_line(etype, self.transform(event.obj.obj))

    def bookmark(self, rv, initial_end=False):
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _event_line("BOOKMARK", {"kind": self.res.kind,
                                        "apiVersion": self.res.api_version, "metadata": meta})


class ChunkedWriter:
    def __init__(self, wfile):
        self.wfile = wfile

    def write(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end(self):
        self.wfile.write(b"0\r\n\r\n")


def client_gone(sock):
    """True when the client closed its end (a watch client never sends data)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable and not sock.pending():
            return False
        previous = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            return sock.recv(1) == b""
        finally:
            sock.settimeout(previous)
    except ssl.SSLWantReadError:
        return False
    except (OSError, ValueError):
        return True


def serve(store, registry, faults, watch, writer, sock, bookmark_interval):
    """Stream events to writer until timeout, drop or error (headers are sent).
    Returns True when the stream was ended cleanly, False when cut."""
    started = time.monotonic()
    watcher = Watcher(sock)
    initial = []
    with store.lock:
        if watch.start_rv is None or watch.send_initial:
            cursor = store.rv
            if watch.start_rv is not None:
                cursor = max(cursor, watch.start_rv)
            table = store.objects[watch.res.key]
            for key in store.sorted_keys(watch.res):
                if watch.ns and watch.res.namespaced and key[0] != watch.ns:
                    continue
                stored = table[key]
                if not watch.filtering or watch.matches(stored.obj):
                    initial.append(stored)
        else:
            cursor = watch.start_rv
            oldest = store.compacted_rv()
            if cursor < oldest:
                writer.write(_event_line("ERROR", too_old_status(cursor, oldest)))
                writer.end()
                return True
    if initial or watch.send_initial:
        out = []
        for stored in initial:
            if watch.transform is None:
                out.append(b'{"type":"ADDED","object":%s}\n' % stored.raw)
            else:
                out.append(_event_line("ADDED", watch.transform(stored.obj)))
        if watch.send_initial and watch.bookmarks:
            out.append(watch.bookmark(cursor, initial_end=True))
        writer.write(b"".join(out))
    registry.add(watcher)
    next_bookmark = started + bookmark_interval
    try:
        while True:
            now = time.monotonic()
            deadline = started + watch.timeout
            forced = faults.watch_deadline(started)
            if forced is not None:
                deadline = min(deadline, forced)
            if now >= deadline:
                if watch.bookmarks and now >= started + watch.timeout:
                    # like the watch cache: a last bookmark before a timeout,
                    # so the client resumes from the newest resourceVersion
                    writer.write(watch.bookmark(cursor))
                break
            with store.changed:
                if store.rv <= cursor and not watcher.dropped and not watcher.expired:
                    wait = deadline - now
                    if watch.bookmarks:
                        wait = min(wait, max(0.0, next_bookmark - now))
                    store.changed.wait(min(wait, 1.0))
                if watcher.dropped:
                    return False
                oldest = store.compacted_rv()
                if watcher.expired or cursor < oldest:
                    expired_at = cursor
                    events = None
                else:
                    events = store.events_after(cursor)
                    if events:
                        cursor = max(cursor, events[-1].rv)
            if events is None:
                writer.write(_event_line("ERROR", too_old_status(expired_at, oldest)))
                break
            out = []
            for event in events:
                etype = watch.classify(event)
                if etype is not None:
                    out.append(watch.line(event, etype))
            if watch.bookmarks and time.monotonic() >= next_bookmark:
                out.append(watch.bookmark(cursor))
                next_bookmark = time.monotonic() + bookmark_interval
            if out:
                writer.write(b"".join(out))
                time.sleep(COALESCE_SECONDS)
            elif client_gone(sock):
                return False
        writer.end()
        return True
    finally:
        registry.remove(watcher)
