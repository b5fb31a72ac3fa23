"""A controller's work loop, as the in-server controllers (garbage
collector, PVC protection) run it: a deduplicated FIFO of items fed by
store observers, one worker thread, a resync after a quiet second.

process(item) does the work; an ApiError (a conflicting or failing write)
puts the item back, like a controller's rate-limited requeue; any other
exception is reported on stderr and the loop goes on. resync() runs when
nothing came for resync_seconds: it re-adds what may still need work
(lost wake-ups, webhook errors).
"""
import collections
import sys
import threading
import traceback

from .errors import ApiError


class WorkQueue:
    def __init__(self, name, process, resync, resync_seconds=1.0):
        self.process = process
        self.resync = resync
        self.resync_seconds = resync_seconds
        self.queue = collections.deque()
        self.queued = set()
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def add(self, item):
        """Queue item (hashable) unless it is already waiting; safe under the store lock."""
        with self.cond:
            if item not in self.queued:
                self.queued.add(item)
                self.queue.append(item)
                self.cond.notify()

    def _next(self):
        """The next item, None after a quiet resync interval, or raise StopIteration."""
        with self.cond:
            while not self.queue and not self.stopping:
                if not self.cond.wait(self.resync_seconds):
                    break
            if self.stopping:
                raise StopIteration
            item = self.queue.popleft() if self.queue else None
            if item is not None:
                self.queued.discard(item)
            return item

    def _run(self):
        while True:
            try:
                item = self._next()
            except StopIteration:
                return
            try:
                if item is None:
                    self.resync()
                else:
                    self.process(item)
            except ApiError:
                if item is not None:
                    self.add(item)
            except Exception:  # keep going even if one item is broken
                traceback.print_exc(file=sys.stderr)
