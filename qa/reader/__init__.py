"""Reading the evidence: what a question asks, which sentences answer it, and the
extractive answer quoting them.

    followup     a follow-up rewritten as a standalone question
    questions    the kind of answer wanted, the speaker, the names, the parts
    names        names matched as people spell them (rapidfuzz, unidecode, countryinfo)
    sentences    the units an answer quotes, with offsets, terms and vectors
    kinds        whether a sentence holds a number, a date, a name, a cause, a statement
    attribution  who says what, across neighbouring sentences
    evidence     scoring the units, and deciding to answer or refuse
    extractive   the default answerer and writer
"""

from .evidence import ReaderConfig
from .extractive import Answerer, Evidence
from .followup import Condensed, condense, is_follow_up

__all__ = ["Answerer", "Condensed", "Evidence", "ReaderConfig", "condense", "is_follow_up"]
