#!/usr/bin/env python3
"""Builds english_vocabulary.tsv, the word list the clean stage uses to
decide print hyphenation ("Secu- rity" -> "Security", "well- known" ->
"well-known").

The list is a derived statistic: lowercase word forms and hyphenated
compounds with how often they occur in the BBC news corpus and the
Reuters-21578 corpus under ../shared/corpora. No sentence or article text is
kept. Usage (from the repository root):

    python3 stages/clean/data/build_vocabulary.py \
        --corpora ../shared/corpora > stages/clean/data/english_vocabulary.tsv

Output: a header comment, then "word<TAB>count" lines sorted by word. A
plain word is kept when it occurs at least --min-word-count times, a
hyphenated compound when it occurs at least --min-compound-count times.
"""
import argparse
import collections
import html
import pathlib
import re
import sys

# Letters (Latin script, including accented forms), with inner apostrophes
# and hyphens: "security", "well-known", "o'clock".
TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F]+(?:[-'\u2019][A-Za-z\u00C0-\u024F]+)*")
REUTERS_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)


def bbc_texts(root):
    for path in sorted((root / "bbc").rglob("*.txt")):
        if path.name.upper().startswith("README"):
            continue
        yield path.read_bytes().decode("utf-8", errors="replace")


def reuters_texts(root):
    for path in sorted((root / "reuters21578").glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for body in REUTERS_BODY.findall(raw):
            yield html.unescape(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=pathlib.Path, required=True)
    parser.add_argument("--min-word-count", type=int, default=2)
    parser.add_argument("--min-compound-count", type=int, default=1)
    args = parser.parse_args()

    counts = collections.Counter()
    documents = 0
    for texts in (bbc_texts(args.corpora), reuters_texts(args.corpora)):
        for text in texts:
            documents += 1
            # A hyphen at a line end is a wrap, not a compound; skip those.
            text = re.sub(r"-\s*\n\s*", " ", text)
            for token in TOKEN.findall(text):
                word = token.lower().replace("\u2019", "'")
                if len(word) < 2 or word.startswith("'"):
                    continue
                counts[word] += 1

    kept = []
    for word, count in counts.items():
        minimum = (args.min_compound_count if "-" in word
                   else args.min_word_count)
        if count >= minimum:
            kept.append((word, count))
    kept.sort()
    out = sys.stdout
    out.write("# newsflow clean vocabulary: word<TAB>count, lowercase, sorted.\n")
    out.write("# Built by stages/clean/data/build_vocabulary.py from %d "
              "documents (BBC news, Reuters-21578).\n" % documents)
    for word, count in kept:
        out.write("%s\t%d\n" % (word, count))


if __name__ == "__main__":
    main()
