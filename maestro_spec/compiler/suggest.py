"""'Did you mean' for near misses of keywords, enum values and model names."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    import difflib  # here, not at the top: only a near miss pays for it (1.3 ms at start-up)

    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    if found:
        return lowered[found[0]]
    # "web" -> web_search: a clear prefix is a near miss that difflib's ratio misses.
    prefixed = [c for low, c in lowered.items() if len(word) >= 3 and low.startswith(word.lower())]
    return prefixed[0] if len(prefixed) == 1 else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match else None
