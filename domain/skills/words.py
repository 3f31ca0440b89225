"""Words as the vocabulary compares them: lower case, accents off, split on
spaces and most punctuation (but "c++", "c#", "ci/cd", "node.js" and "fp&a"
stay whole), and reduced to a stem so that "negotiating" meets "negotiation".

Stems come from the Snowball English stemmer (Porter2), a small pure-Python
package. Words of three letters or fewer are never stemmed: "go", "ml" and
"pm" are matched only as typed, so "going" is never Go."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

# A word starts with a letter or digit; inside it, + # & and (between two
# word characters) / and . are kept: c++, c#, fp&a, ci/cd, node.js, a/b.
_WORD = re.compile(r"[a-z0-9][a-z0-9+#&]*(?:[./][a-z0-9+#&]+)*")
SHORTEST_STEMMED = 4

_english = snowballstemmer.stemmer("english")
# Profiles repeat their words (every mentor's "python"): tokens and stems are
# kept for the texts and words seen last. A Snowball stemmer keeps the word it
# works on in itself: one thread at a time.
_stemming = threading.Lock()


def fold(text: str) -> str:
    """Lower case without accents: "Área" -> "area"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """The words of `text`, folded: "Node.js & CI/CD!" -> ("node.js", "ci/cd")."""
    return tuple(_WORD.findall(fold(text)))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The word's stem; short words and words with digits or symbols as they are."""
    if len(word) < SHORTEST_STEMMED or not word.isalpha():
        return word
    with _stemming:
        return str(_english.stemWord(word))
