"""Sentence vectors kept compactly in a chunk's metadata.

Each chunk carries one vector per sentence (pooled from the chunk's own encoding, see
``Embedder.embed_with_sentences``). Chroma metadata holds strings, not arrays, so the
vectors travel as text: each one quantised to int8 with its own float16 scale (cosine
similarity changes by well under 0.01), the rows concatenated and base64-encoded.
About 520 characters per sentence instead of 1,536 bytes of float32.
"""

from __future__ import annotations

import base64

import numpy as np

FIELD = "sentence_vectors"


def pack(vectors: np.ndarray) -> str:
    """Rows of float vectors -> one ASCII string."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.size == 0:
        return ""
    peak = np.abs(vectors).max(axis=1, keepdims=True)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float16)
    q = np.clip(np.rint(vectors / scale.astype(np.float32)), -127, 127).astype(np.int8)
    rows = np.concatenate([scale.view(np.uint8).reshape(len(vectors), 2), q.view(np.uint8)], axis=1)
    return base64.b64encode(rows.tobytes()).decode("ascii")


def unpack(text: str, dim: int) -> np.ndarray:
    """The string back as unit-length float32 rows (0 rows for an empty string)."""
    if not text:
        return np.zeros((0, dim), dtype=np.float32)
    raw = np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(-1, dim + 2)
    scale = raw[:, :2].copy().view(np.float16).astype(np.float32)
    vecs = raw[:, 2:].copy().view(np.int8).astype(np.float32) * scale
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.where(norms > 0, norms, 1.0)


def dimension(text: str, rows: int) -> int:
    """The vector size of a packed string holding ``rows`` vectors (0 if it cannot be)."""
    size = len(text) * 3 // 4 - text[-2:].count("=")  # base64's decoded length
    return size // rows - 2 if rows and size % rows == 0 else 0
