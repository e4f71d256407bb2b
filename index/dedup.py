"""Wire copies: the same agency story printed by several outlets is one story with
several carriers.

Each article's text becomes a set of word shingles (``SHINGLE`` words in a row, case-
folded), summarised by a MinHash signature (datasketch, ``NUM_PERM`` permutations).
Near-duplicates are found by locality-sensitive hashing: the signature is cut into
``b`` bands of ``r`` rows (datasketch's optimum for the threshold), and two articles
are candidates when any band is equal. Candidates are then confirmed by the estimated
Jaccard similarity of their shingle sets, ``>= THRESHOLD``.

The band hashes of every stored story are kept on its article record in Chroma
(``lsh_0`` ... fields), so finding candidates is ``b`` metadata lookups for a whole
batch, in any process, with no index to rebuild when the store grows; a batch's own
articles are matched with an in-memory datasketch ``MinHashLSH``.

An outlet never carries one story twice: a near-copy from the outlet that already
carries the story (a deals list redone for Cyber Monday, a story re-filed under a new
URL) stays its own article.

THRESHOLD was calibrated on pairs built and labelled for it (``bench/dedup.py``,
figures in docs/benchmarks.md): 200 wire copies with small edits (a dateline or agency
credit, 1-4 % of words swapped, up to a quarter of the text cut from the end, an extra
sentence) against, for each of 599 MultiHop-RAG articles, the most similar article of
the same category from another outlet (different stories on the same topic). With
3-word shingles the copies scored 0.62-0.98 (exact Jaccard) and the different stories
at most 0.04; the MinHash estimate is off by 0.03 on average (0.11 at worst). 0.4 leaves
a margin of at least 0.2 on both sides; through MinHash and LSH it folded 200/200
copies and none of the 609 corpus articles into another outlet's story.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SHINGLE = 3
NUM_PERM = 128
THRESHOLD = 0.4
SEED = 1
SCHEME = "affine32"  # pinned: signatures are stored, and schemes cannot be compared
MIN_SHINGLES = 20  # very short texts (a headline, a brief) are never folded: too little to tell

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    words = _WORD.findall(text.casefold())
    return {" ".join(words[i : i + k]).encode("utf-8") for i in range(max(0, len(words) - k + 1))}


@dataclass(frozen=True)
class Signature:
    """A MinHash signature and its LSH band keys, as stored on the article record."""

    hashvalues: np.ndarray  # NUM_PERM 32-bit values
    size: int  # number of shingles

    def minhash(self):
        from datasketch import MinHash

        return MinHash(num_perm=len(self.hashvalues), seed=SEED, hashvalues=self.hashvalues, scheme=SCHEME)

    def jaccard(self, other: Signature) -> float:
        return float(np.mean(self.hashvalues == other.hashvalues))

    def encode(self) -> str:
        return base64.b64encode(self.hashvalues.astype("<u4").tobytes()).decode("ascii")

    @classmethod
    def decode(cls, text: str, size: int = 0) -> Signature:
        return cls(np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32), size)

    def bands(self, b: int, r: int) -> list[str]:
        """One key per band: which band, and a hash of its rows."""
        vals = self.hashvalues.astype("<u4")
        return [hashlib.blake2b(vals[i * r : (i + 1) * r].tobytes(), digest_size=8).hexdigest() for i in range(b)]


def signature(text: str) -> Signature | None:
    """None for texts too short to compare safely."""
    from datasketch import MinHash

    sh = shingles(text)
    if len(sh) < MIN_SHINGLES:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    m.update_batch(list(sh))
    return Signature(m.hashvalues.copy(), len(sh))


def lsh_params(threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) that datasketch picks for this threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_field(i: int) -> str:
    return f"lsh_{i}"


@dataclass
class Match:
    story_id: str
    similarity: float


class BatchIndex:
    """The stories of one ingestion batch, for folding copies that arrive together."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.sigs: dict[str, Signature] = {}

    def add(self, story_id: str, sig: Signature) -> None:
        if story_id not in self.sigs:
            self.lsh.insert(story_id, sig.minhash())
            self.sigs[story_id] = sig

    def best(self, sig: Signature) -> Match | None:
        found = [(self.sigs[k].jaccard(sig), k) for k in self.lsh.query(sig.minhash())]
        found = [(j, k) for j, k in found if j >= self.threshold]
        if not found:
            return None
        j, k = max(found)
        return Match(k, j)


def best_stored(
    sig: Signature, stored: dict[str, Signature], threshold: float = THRESHOLD, exclude: Sequence[str] = ()
) -> Match | None:
    """The stored story most similar to ``sig`` among LSH candidates, if similar enough."""
    best: Match | None = None
    for sid, other in stored.items():
        if sid in exclude:
            continue
        j = other.jaccard(sig)
        if j >= threshold and (best is None or j > best.similarity):
            best = Match(sid, j)
    return best
