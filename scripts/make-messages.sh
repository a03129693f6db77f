#!/usr/bin/env bash
# The Simplified Chinese catalogues (locale/zh_Hans): every marked string of the Python code and
# templates (domain django) and of the page scripts (djangojs), existing translations kept, then
# compiled with gettext's msgfmt. New strings come out untranslated: translate them, then commit
# the .po and the .mo together (tests/test_catalogue.py fails on anything left untranslated).
# COMPILE=0 skips compiling (the test runs this in a copy of the tree).
set -euo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
for domain in django djangojs; do
  "$PYTHON" manage.py makemessages -l zh_Hans -d "$domain" --no-obsolete --add-location file \
    --ignore 'tests/*' --ignore 'bench/*' --ignore 'ml/*' --ignore 'var/*' --ignore 'test-results/*' >/dev/null
done
if [ "${COMPILE:-1}" = 1 ]; then
  for domain in django djangojs; do
    msgfmt --check -o "locale/zh_Hans/LC_MESSAGES/$domain.mo" "locale/zh_Hans/LC_MESSAGES/$domain.po"
  done
fi
