"""Text similarity for Chinese without a word segmenter: character bigrams of each run of Chinese
characters, whole words of Latin letters and digits, compared with the Dice coefficient. Pure: no
database, the same result on every backend."""

import re

RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def grams(text: str) -> frozenset[str]:
    found = set()
    for run in RUN.findall(text or ""):
        if run.isascii():
            found.add(run.lower())
        elif len(run) == 1:
            found.add(run)
        else:
            found.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(found)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def text_score(query_title: str, query_text: str, title: str, text: str) -> float:
    """How alike two pieces of writing are, 0..1: the better of the titles alone and title plus text."""
    return max(
        dice(grams(query_title), grams(title)),
        dice(grams(f"{query_title} {query_text}"), grams(f"{title} {text}")),
    )
