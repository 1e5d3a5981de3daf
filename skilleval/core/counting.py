"""`Counted`: an iterable passed through as it is consumed, counting what went by. For exports written as
their rows are made (issue 11: memory stays bounded), whose audit row says how many left the system."""

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Counted(Generic[T]):
    def __init__(self, items: Iterable[T]):
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[T]:
        for item in self._items:
            self.count += 1
            yield item
