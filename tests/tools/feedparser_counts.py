#!/usr/bin/env python3
"""Counts the corpus feed files Python's feedparser reads with at least one item.

The reference figure for tests/corpus_fetch.rs and docs/reliability.md:

    pip install feedparser==6.0.14
    python3 tests/tools/feedparser_counts.py ../shared/corpus/feeds [--list]

A feed file is any .xml, .rss, .atom, .rdf or .json file except feed-rs's .serde.json ground
truth. feedparser is given the bytes, as feedsift gets them from a server.
"""
import pathlib
import sys

import feedparser

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json"}


def feed_files(root):
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.is_file() and path.suffix in FEED_SUFFIXES and not path.name.endswith(".serde.json"):
            yield path


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/feeds"
    listing = "--list" in sys.argv
    files = with_items = 0
    for path in feed_files(root):
        files += 1
        parsed = feedparser.parse(path.read_bytes())
        count = len(parsed.entries)
        with_items += count > 0
        if listing:
            print(f"{count}\t{path.relative_to(root)}")
    print(f"feedparser {feedparser.__version__}: {with_items} of {files} feed files have items")


if __name__ == "__main__":
    main()
