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
        return int(self.model.get_sentence_embedding_dimension())

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
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vecs.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        model = self.model
        self._threads(self.query_threads)
        vec = model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
        return vec.astype(np.float32, copy=False)
