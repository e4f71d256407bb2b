"""Retrieval: hybrid search over the store (``hybrid``), its stages one function each
(``stages``), their weights (``config``) and the derived state they read, kept in step
with the store at a cost in proportion to each write (``snapshot``)."""

from .config import MODES, RetrievalConfig
from .hybrid import HybridRetriever
from .snapshot import Snapshot, SnapshotKeeper

__all__ = ["MODES", "HybridRetriever", "RetrievalConfig", "Snapshot", "SnapshotKeeper"]
