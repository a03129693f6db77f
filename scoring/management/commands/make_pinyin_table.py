from django.core.management.base import BaseCommand
from django.utils import translation


class Command(BaseCommand):
    help = (
        "Write scoring/zh_pinyin.json: the pinyin of every Chinese character in the lists the site "
        "sorts for Chinese readers (the time zones' names). Run again after Babel's CLDR data changes; "
        "needs pypinyin (requirements-dev.txt)."
    )

    def handle(self, *args, **options):
        import json

        from pypinyin import lazy_pinyin

        from scoring.collation import PINYIN_TABLE, is_han
        from scoring.time_zones import time_zone_choices

        table: dict[str, str] = {}
        with translation.override("zh-hans"):
            names = [said for _, said in time_zone_choices()]
        for name in names:
            # Read a name as a whole (pypinyin's phrases pick a character's reading in context),
            # then keep each character's first reading.
            for character, reading in zip(name, lazy_pinyin(name, errors=lambda text: list(text))):
                if is_han(character):
                    table.setdefault(character, reading)
        PINYIN_TABLE.write_text(json.dumps(dict(sorted(table.items())), ensure_ascii=False, indent=0) + "\n")
        self.stdout.write(f"{len(table)} characters into {PINYIN_TABLE}")
