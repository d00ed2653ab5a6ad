#!/usr/bin/python3
"""readability-lxml (Debian's python3-readability) over a folder of UTF-8
pages, for bench/extract_bench: the same decoded pages our extractor reads.

usage: extract_bench_readability_lxml.py [--titles] PAGES_DIR OUT.json

Writes {"seconds", "pages", "bytes", "output": {file: {"html", "text"}}}.
With --titles (the metadata table), only Document(page).title() and
short_title() are computed: {"output": {file: {"title", "short_title"}}}.
"html" is Document(page).summary() as trafilatura's evaluate.py scores it
(markup included); "text" is that summary's text content, blocks separated
by newlines. Only summary() is timed. A page it fails on gives "".
"""
import json
import os
import sys
import time

import lxml.html
from readability import Document

BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
          "th", "br", "blockquote", "pre", "section", "article", "dd", "dt",
          "table", "ul", "ol", "figcaption"}


def text_of(summary):
    if not summary:
        return ""
    try:
        root = lxml.html.fromstring(summary)
    except Exception:  # an empty or odd summary
        return ""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return root.text_content()


def titles(pages, out):
    output = {}
    for name, page in pages:
        try:
            document = Document(page)
            output[name] = {"title": document.title(),
                            "short_title": document.short_title()}
        except Exception:  # a page it fails on gives no title
            output[name] = {"title": "", "short_title": ""}
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"output": output}, f)


def main():
    args = sys.argv[1:]
    titles_only = args[0] == "--titles"
    if titles_only:
        args = args[1:]
    folder, out = args[0], args[1]
    names = sorted(os.listdir(folder))
    pages = []
    for name in names:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            pages.append((name, f.read()))
    if titles_only:
        titles(pages, out)
        return
    summaries = {}
    start = time.perf_counter()
    for name, page in pages:
        try:
            summaries[name] = Document(page).summary()
        except Exception:  # counted as a miss, as evaluate.py does
            summaries[name] = ""
    seconds = time.perf_counter() - start
    output = {name: {"html": html, "text": text_of(html)}
              for name, html in summaries.items()}
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"seconds": seconds, "pages": len(pages),
                   "bytes": sum(len(p.encode("utf-8")) for _, p in pages),
                   "output": output}, f)


if __name__ == "__main__":
    main()
