"""Adding articles: loaders, the Article model, chunking, embedding and the Chroma store.

Never imports ``qa``: data flows from here to there, not back.
"""

from .article import Article, canonical_url, parse_date
from .ingest import Indexer, IngestReport
from .loaders import Failure, LoadError, Loaded, article_from_record, load_paths, parse_bytes
from .settings import Settings
from .store import ChromaStore, StoreError

__all__ = [
    "Article", "ChromaStore", "Failure", "IngestReport", "Indexer", "LoadError", "Loaded", "Settings",
    "StoreError", "article_from_record", "canonical_url", "load_paths", "parse_bytes", "parse_date",
]
