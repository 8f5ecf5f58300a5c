"""Which language a report is written in, detected offline from its text (pure, no database).

py3langid (BSD; its naive Bayes model of byte n-grams ships inside the wheel) restricted to the
languages below: those triage reads (English and the ten of Multilingual HateCheck) and the
widely written ones a platform also receives, so Russian is not called Polish nor Japanese
Chinese. Restricting it keeps it as accurate as lingua-language-detector on short reports at a
third of its time and a quarter of its memory (bench/language.py measures both).

Neither package knows Hindi written in Latin letters ("mujhe dhamki di hai"), which is how much
Hindi arrives on a platform: a text whose words are mostly common Hindi function words and verb
forms is Hindi whatever the model says.

Detection reads the words only: links, e-mail addresses, @handles and digits are taken out
first, and a text with no letters left has no detected language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier  # type: ignore[import-untyped]

# ISO 639-1 codes. The first eleven are the languages triage has data for.
LANGUAGES: tuple[str, ...] = (
    *("en", "ar", "de", "es", "fr", "hi", "it", "nl", "pl", "pt", "zh"),
    *("ru", "uk", "tr", "ja", "ko", "fa", "ur", "id", "vi", "sv", "ro", "el", "he", "th"),
    *("cs", "hu"),
)
# Below this, a detected language is shown but triage does not act on it (the rules' languages
# condition): on a few words the model's second guess is often as good as its first.
TRUSTED = 0.5
# The first characters are enough to tell a language (100-word texts are told apart as well
# from their first 300 characters as from all of them), and a long report costs no more.
READ_CHARS = 300

# Anchored at the start of a word, so each word is read once (not once per character).
_LINK = re.compile(r"(?<!\S)\S*(?:://|www\.)\S*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\S)\S*[@#]\S*")  # e-mail addresses, @handles and #tags
_DIGITS = re.compile(r"\d+")
_LATIN_WORD = re.compile(r"[a-z]+")

# Hindi in Latin letters: pronouns, postpositions, auxiliaries and common verb forms, as people
# spell them. Words that are also common in English, Italian or German ("main", "ho", "mein",
# "hai", "wo", "to") count half, so a sentence needs more than one of them.
_HINDI_WORDS_TEXT = """
    hain nahi nahin nhi kya kyun kyu aur mera meri mere tera teri tere tum tumhe tumhara
    tumhari tumhare aap aapka aapki aapke hamara hamari hamare yeh woh unka unki unke unko
    inko isko usko usse isse unse inse bhi kuch koi jab agar lekin bahut bohot bht bilkul
    chahiye raha rahi rahe gaya gayi karo karna karne karte karta karti hoga hogi thi hona
    diya mujhe tujhe unhe inhe jaise aise kaise kahan yahan wahan abhi phir fir sirf saare
    sabhi sabse wale wala wali apne apna apni saath liye hota hote hoti kabhi acche accha
    acha sakta sakti sakte chahta chahti chahte dunga dungi dega degi hoon zyada jyada wohi
    wahi yahi jana sab hum
"""
_HINDI_WEAK_TEXT = (
    "hai mein main mai ho ka ki ke ko jo ye wo se me log kar to un is us in pe par hun tha"
)
_HINDI_WORDS = frozenset(_HINDI_WORDS_TEXT.split())
_HINDI_WEAK = frozenset(_HINDI_WEAK_TEXT.split())
_HINDI_SHARE = 0.2  # chosen on a development split of Multilingual HateCheck's training part


@dataclass(frozen=True)
class DetectedLanguage:
    code: str  # ISO 639-1
    confidence: float  # 0-1

    @property
    def trusted(self) -> bool:
        """Sure enough for triage to act on (see TRUSTED)."""
        return self.confidence >= TRUSTED


def detect_language(text: str) -> DetectedLanguage | None:
    """The language ``text`` is written in and how sure that is; None if it has no words."""
    words = _words_only(text[:READ_CHARS])
    if not any(c.isalpha() for c in words):
        return None
    hindi = _romanised_hindi(words)
    if hindi is not None:
        return hindi
    code, confidence = _identifier().classify(words)
    return DetectedLanguage(str(code), round(float(confidence), 4))


def _words_only(text: str) -> str:
    # Each pattern runs only where its marker is: most reports have none, and are not copied.
    if "://" in text or "www." in text:
        text = _LINK.sub(" ", text)
    if "@" in text or "#" in text:
        text = _HANDLE.sub(" ", text)
    return _DIGITS.sub(" ", text)


def _romanised_hindi(text: str) -> DetectedLanguage | None:
    if not text.isascii():
        return None
    words = _LATIN_WORD.findall(text.lower())
    if not words:
        return None
    hits = sum(1.0 if w in _HINDI_WORDS else 0.5 if w in _HINDI_WEAK else 0.0 for w in words)
    share = hits / len(words)
    if hits < 1 or share < _HINDI_SHARE:
        return None
    return DetectedLanguage("hi", round(min(0.99, 0.5 + share), 4))


@cache
def _identifier() -> LanguageIdentifier:
    """Loaded once a process (about a second), on first use; read-only afterwards."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def warm() -> None:
    """Load the model now rather than on the first report (for long-running processes)."""
    _identifier()


def triage_language(given: str | None, detected: DetectedLanguage | None) -> str | None:
    """The language triage acts on: the one the reporter gave (as given), else a trusted
    detection."""
    if given:
        return given
    if detected is not None and detected.trusted:
        return detected.code
    return None
