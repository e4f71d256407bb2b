"""Adding articles: loaders, the Article model, chunking, embedding and the Chroma store.

Never imports ``qa``: data flows from here to there, not back.
"""

from .article import Article, canonical_url, parse_date
from .errors import LoadError, NewsqaError, SettingsError, StoreError, Unavailable
from .ingest import Indexer, IngestReport
from .loaders import Failure, Loaded, article_from_record, load_paths, load_records, load_uploads, parse_bytes
from .records import ChunkMeta
from .settings import Settings
from .store import ChromaStore

__all__ = [
    "Article",
    "ChromaStore",
    "ChunkMeta",
    "Failure",
    "IngestReport",
    "Indexer",
    "LoadError",
    "Loaded",
    "NewsqaError",
    "Settings",
    "SettingsError",
    "StoreError",
    "Unavailable",
    "article_from_record",
    "canonical_url",
    "load_paths",
    "load_records",
    "load_uploads",
    "parse_bytes",
    "parse_date",
]
