"""A small bounded cache of values that are costly to build and cheap to key."""

from collections import OrderedDict
from threading import Lock


class LruCache:
    """The `size` most recently used values by key; `build` runs outside the lock (two threads
    may build the same value once each: harmless for values that are the same either way)."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict = OrderedDict()
        self._lock, self._size = Lock(), size

    def get_or_build(self, key, build):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
