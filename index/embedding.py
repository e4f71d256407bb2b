"""The embedding model: the bundled all-MiniLM-L6-v2, loaded from a local folder.

Never given a hub name (it would fail offline). Documents are encoded in large
batches with all cores; queries with one thread, because on two shared cores a
two-thread query encode collapses when the other core is busy.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class Embedder:
    def __init__(self, model_path: Path, batch_size: int = 64, ingest_threads: int = 0, query_threads: int = 1):
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self.ingest_threads = ingest_threads
        self.query_threads = query_threads
        self._model = None
        self._lock = threading.Lock()
        self._recent: dict[str, np.ndarray] = {}  # query text -> vector, oldest first

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if not (self.model_path / "config.json").exists():
                        raise RuntimeError(f"no embedding model at {self.model_path}")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()

                    self._model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def _threads(self, n: int) -> None:
        import os

        import torch

        torch.set_num_threads(n or os.cpu_count() or 1)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 vectors, one per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        self._threads(self.ingest_threads)
        vecs = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vecs.astype(np.float32, copy=False)

    def embed_with_sentences(
        self,
        texts: Sequence[str],
        sentences: Sequence[Sequence[tuple[int, int]]],
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Chunk vectors (the same as ``embed_documents``) and, from the same forward
        pass, one vector per sentence: the mean of the token vectors that fall inside
        the sentence's character span of the text, normalised.

        A sentence vector read this way costs no extra encoding (encoding sentences on
        their own would double the ingestion time), and each token has seen the whole
        chunk and its header, so a sentence that says "he" still carries who "he" is.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        import torch

        model = self.model
        self._threads(self.ingest_threads)
        transformer = model[0]
        tokenizer, encoder = transformer.tokenizer, transformer.auto_model
        max_len = transformer.max_seq_length
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths together: less padding
        chunk_vecs = np.zeros((len(texts), self.dimension), dtype=np.float32)
        sent_vecs: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        for b in range(0, len(texts), self.batch_size):
            idx = order[b : b + self.batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_len,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = enc.pop("offset_mapping").numpy()
            with torch.inference_mode():
                hidden = encoder(**enc).last_hidden_state.float().numpy()
            mask = enc["attention_mask"].numpy().astype(bool)
            for row, i in enumerate(idx):
                tokens = hidden[row][mask[row]]
                chunk_vecs[i] = _unit(tokens.mean(axis=0))
                starts = offsets[row][mask[row]][:, 0]
                ends = offsets[row][mask[row]][:, 1]
                real = ends > starts  # [CLS] and [SEP] have empty spans
                out = np.zeros((len(sentences[i]), self.dimension), dtype=np.float32)
                for j, (a, z) in enumerate(sentences[i]):
                    inside = real & (starts >= a) & (starts < z)
                    out[j] = _unit(tokens[inside].mean(axis=0)) if inside.any() else chunk_vecs[i]
                sent_vecs[i] = out
        return chunk_vecs, sent_vecs

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector. The last few are kept: retrieval and the reader both
        need the question's vector, and a follow-up often repeats a search."""
        with self._lock:
            vec = self._recent.get(text)
        if vec is None:
            vec = self.embed_queries([text])[0]
        return vec

    def embed_queries(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        """Several queries in one forward pass (the parts of a question), on the query
        threads; ``remember=False`` for texts not asked again (a question's candidate
        sentences), which would push questions out of the cache."""
        if not remember:
            return self._encode_queries(texts) if texts else np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            cached = [self._recent.get(t) for t in texts]
        todo = [t for t, v in zip(texts, cached) if v is None]
        if todo:
            fresh = dict(zip(todo, self._encode_queries(todo)))
            with self._lock:
                self._recent.update(fresh)
                while len(self._recent) > 256:
                    self._recent.pop(next(iter(self._recent)))
            cached = [v if v is not None else fresh[t] for t, v in zip(texts, cached)]
        return np.vstack(cached) if cached else np.zeros((0, self.dimension), dtype=np.float32)

    def _encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        model = self.model
        self._threads(self.query_threads)
        vecs = model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return vecs.astype(np.float32, copy=False)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)
