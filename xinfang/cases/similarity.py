"""Text similarity for repeat detection (R2.3), without word segmentation: Chinese text is compared as
overlapping character bigrams (n-grams), which catches reworded or re-typed complaints about the same matter.

    similarity("消防通道被占用多次举报无人处理", "多次举报消防通道被占用，一直无人处理") ≈ 0.8
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter


def normalize(text: str) -> str:
    """NFKC, lower case, letters and digits only (punctuation and whitespace carry no meaning here)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def ngrams(text: str, n: int = 2) -> Counter[str]:
    t = normalize(text)
    if len(t) < n:
        return Counter([t]) if t else Counter()
    return Counter(t[i : i + n] for i in range(len(t) - n + 1))


def jaccard(a: Counter[str], b: Counter[str]) -> float:
    """|A ∩ B| / |A ∪ B| over the sets of n-grams."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine of the n-gram count vectors."""
    if not a or not b:
        return 0.0
    dot = sum(count * b[g] for g, count in a.items() if g in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm else 0.0


def similarity(a: str, b: str, n: int = 2) -> float:
    """0.0 (nothing in common) … 1.0 (same text, ignoring punctuation): the cosine of character n-grams."""
    return cosine(ngrams(a, n), ngrams(b, n))
