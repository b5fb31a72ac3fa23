"""A controller's work loop, as kube-controller-manager's controllers run
one: a de-duplicated queue of keys filled by store events (observe() runs
under the store lock, so it only queues), one background thread that
processes them, a periodic resync for lost wake-ups, and a requeue when a
write fails with an API error (a conflict, say)."""
import collections
import threading

from .errors import ApiError


class QueueWorker:
    resync_seconds = 1.0

    def __init__(self, store, name):
        self.store = store
        self.queue = collections.deque()
        self.queued = set()
        self.cond = threading.Condition()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        store.observers.append(self.observe)

    # the controller's own parts
    def observe(self, event):
        """Queue what a committed write (under the store lock) calls for."""

    def process(self, item):
        """Do the work for one queued item; ApiError requeues it."""

    def resync(self):
        """Queue everything that may still need work."""

    # the loop
    def start(self):
        self.thread.start()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    def enqueue(self, item):
        with self.cond:
            if item not in self.queued:
                self.queued.add(item)
                self.queue.append(item)
                self.cond.notify()

    def _run(self):
        while True:
            with self.cond:
                while not self.queue and not self.stopping:
                    if not self.cond.wait(self.resync_seconds):
                        break
                if self.stopping:
                    return
                item = self.queue.popleft() if self.queue else None
                if item is not None:
                    self.queued.discard(item)
            if item is None:
                self.resync()
                continue
            try:
                self.process(item)
            except ApiError:
                self.enqueue(item)
