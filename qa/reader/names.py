"""Names as people write them, matched against names as articles write them.

A question says "Zelensky", "the Ukrainians", "Ukraine's foreign minister", "the IMF's
boss", "Beyonce"; the article says "Zelenskyy", "Ukrainian Foreign Minister", "IMF",
"Beyoncé". Matching works on folded words (unidecode, lower case, possessives off) and
accepts, word by word:

- the same word;
- inflection and demonyms that keep the stem ("Ukraine" ~ "Ukrainian(s)", "Israel" ~
  "Israeli", "West" ~ "Westerners"): one word is the other's stem plus a known ending;
- spelling variants of longer names (Damerau-Levenshtein distance 1 from six letters, or 2 from nine
  letters, with the same first letter: "Dmytro" ~ "Dmitro", "Zelenskiy" ~ "Zelenskyy"),
  measured by rapidfuzz;
- country names, their other spellings and their demonyms from the countryinfo package
  ("France" ~ "French", "Netherlands" ~ "Holland" ~ "Dutch", "UK" ~ "British").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein
from unidecode import unidecode

_WORD = re.compile(r"[a-z0-9]+(?:[.&'][a-z0-9]+)*")
# endings that turn a stem into an inflected form or a demonym
_ENDINGS = (
    "",
    "s",
    "es",
    "n",
    "ns",
    "an",
    "ans",
    "ian",
    "ians",
    "ese",
    "i",
    "is",
    "ish",
    "ic",
    "ern",
    "erner",
    "erners",
)


def fold(text: str) -> str:
    """Lower case ASCII with straight apostrophes: how names are compared."""
    return unidecode(text).lower().replace("`", "'")


def words(text: str) -> list[str]:
    """The folded words of a text, possessives removed ("IMF's" -> "imf", "players'" -> "players")."""
    return list(_words(text))


@lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    # remembered: the reader reads the same sentences and titles once per question part
    return tuple(
        w.removesuffix("'s").rstrip("'") for w in _WORD.findall(fold(text).replace("'s ", " ").replace("s' ", "s "))
    )


def _stem(word: str) -> str:
    """A word without the final vowel or y a name often drops before an ending
    ("ukraine" -> "ukrain", "russia" -> "russi", "germany" -> "german")."""
    return word[:-1] if len(word) > 4 and word[-1] in "aeiouy" else word


@lru_cache(maxsize=65536)
def same_word(a: str, b: str) -> bool:
    """Whether two folded words may name the same thing (see the module docstring)."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit():
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4:
        for stem in {short, _stem(short)}:
            if len(stem) >= 4 and long_.startswith(stem) and long_[len(stem) :] in _ENDINGS:
                return True
    if len(short) >= 6 and a[0] == b[0]:
        limit = 2 if len(short) >= 9 else 1
        if DamerauLevenshtein.distance(a, b, score_cutoff=limit) <= limit:
            return True
    return _country_group(a) is not None and _country_group(a) == _country_group(b)


@lru_cache(maxsize=1)
def _countries() -> dict[str, int]:
    """Folded single-word country names, other spellings and demonyms -> a group number."""
    from countryinfo import CountryInfo

    groups: dict[str, int] = {}
    for n, info in enumerate(CountryInfo.all().values()):
        forms = [info.get("name", ""), info.get("demonym", ""), *info.get("altSpellings", [])]
        for form in forms:
            ws = words(form or "")
            if len(ws) == 1 and (len(ws[0]) >= 4 or form.isupper()):
                groups.setdefault(ws[0], n)
            elif len(ws) > 1 and len(ws[-1]) >= 5 and ws[0] in ("great", "kingdom", "republic", "united", "the"):
                groups.setdefault(ws[-1], n)  # "Great Britain" -> "britain"
    return groups


def _country_group(word: str) -> int | None:
    groups = _countries()
    if word in groups:
        return groups[word]
    for end in ("s", "es"):  # "Ukrainians", "Americans"
        if word.endswith(end) and word[: -len(end)] in groups:
            return groups[word[: -len(end)]]
    return None


def mentions(text_words: list[str] | set[str], name: str) -> bool:
    """Whether a text (its folded words) names ``name``: a one-word name or a person's
    surname (the last word: articles shorten names after the first mention) anywhere;
    the name of a body ("Bank of Japan", "Premier League") as a phrase, when the words
    come in order (as a set, they need only all be there)."""
    name_words = [w for w in words(name) if w not in PARTICLES]
    if not name_words:
        return True
    if _ACRONYM.fullmatch(name) and not isinstance(text_words, set) and _initials_in(name_words[0], text_words):
        return True  # "UCSD": University of California San Diego
    if len(name_words) == 1 or _looks_personal(name_words):
        last = name_words[-1]
        return any(same_word(last, t) for t in set(text_words))
    if isinstance(text_words, set):
        return all(any(same_word(w, t) for t in text_words) for w in name_words)
    return _phrase_in(name_words, text_words)


def _phrase_in(name_words: list[str], text: list[str]) -> bool:
    """The name's words in order, with at most one little word between two of them."""
    for i, w in enumerate(text):
        if not same_word(name_words[0], w):
            continue
        j = i + 1
        for nw in name_words[1:]:
            if j < len(text) and text[j] in PARTICLES and not same_word(nw, text[j]):
                j += 1
            if j >= len(text) or not same_word(nw, text[j]):
                break
            j += 1
        else:
            return True
    return False


_ACRONYM = re.compile(r"[A-Z]{3,6}(?:'s|’s)?")


def _initials_in(acronym: str, text: list[str]) -> bool:
    """Whether words in a row, little words aside, begin with the acronym's letters."""
    for i in range(len(text)):
        j = k = 0
        while k < len(acronym) and i + j < len(text):
            w = text[i + j]
            j += 1
            if k and w in PARTICLES:
                continue
            if not w.startswith(acronym[k]):
                break
            k += 1
        if k == len(acronym):
            return True
    return False


# little words inside names that a question may drop or keep ("ten Hag", "Bank of America")
PARTICLES = {"of", "the", "de", "la", "le", "van", "von", "der", "den", "da", "du", "del", "al", "bin", "and", "&"}


def _looks_personal(name_words: list[str]) -> bool:
    """Two or three words that are not a country or an organisation's usual words: a
    person's name, which articles shorten to the surname after the first mention."""
    orgish = {
        "league",
        "bank",
        "party",
        "council",
        "club",
        "united",
        "city",
        "inc",
        "corp",
        "group",
        "association",
        "university",
        "court",
        "union",
        "agency",
        "ministry",
        "department",
        "company",
        "foundation",
        "house",
        "office",
        "service",
        "news",
        "times",
        "post",
        "motors",
        "airlines",
        "rail",
        "athletic",
        "rovers",
        "fc",
    }
    return 2 <= len(name_words) <= 3 and not orgish & set(name_words) and _country_group(name_words[-1]) is None
