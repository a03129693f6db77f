"""The order a reader expects a list of names in: letters with accents among the plain ones
("Åland" under A, not after Z) and, for Chinese, by pinyin ("阿根廷" under a, "中国" under z), not
by code point. Python's own sort and Babel order neither way.

Chinese readings come from a table of the characters the sorted lists use (`zh_pinyin.json`, made
by `manage.py make_pinyin_table` with pypinyin, a development tool): the web process carries 5 KB
instead of pypinyin's 57 MB of phrases. tests/web/test_local_time.py fails when a list gains a
character the table lacks.
"""

import json
import unicodedata
from functools import cache
from pathlib import Path

PINYIN_TABLE = Path(__file__).with_name("zh_pinyin.json")


@cache
def pinyin_table() -> dict[str, str]:
    return json.loads(PINYIN_TABLE.read_text(encoding="utf-8"))


def is_han(character: str) -> bool:
    return unicodedata.name(character, "").startswith("CJK UNIFIED IDEOGRAPH")


def collation_key(text: str, language: str) -> str:
    """A key that sorts `text` as a reader of `language` expects."""
    if language.startswith("zh"):
        table = pinyin_table()
        text = "".join(f"{table[c]} " if c in table else c for c in text)
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()
