"""A serving process settles its heap once its bot is built (`settle_heap`)."""

from __future__ import annotations

import subprocess
import sys

# Run apart: freezing the test run's own heap would keep every test's cycles.
PROBE = """
import gc
from bot.runtime import settle_heap
from domain.skills.vocabulary import _packaged
assert _packaged.cache_info().currsize == 0
before = gc.get_freeze_count()
settle_heap()
print(before, gc.get_freeze_count(), _packaged.cache_info().currsize)
"""


def test_a_settled_process_has_its_vocabulary_and_keeps_it_out_of_full_collections() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    before, frozen, loaded = (int(word) for word in done.stdout.split())
    assert before == 0
    assert loaded == 1
    # The vocabulary alone is tens of thousands of objects.
    assert frozen > 50_000
