"""Chinese set as Chinese: no space after a full-width stop, no internal stage ids, lists with 、."""

import json
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from scoring.explain import dark_filter_notes
from scoring.sentences import joined
from tests.web.helpers import scored_rows

pytestmark = pytest.mark.django_db
CHINESE = {"accept-language": "zh-CN,zh;q=0.9"}
STAGE_IDS = re.compile(r"\((?:stem|stage\d|head)\)")


def test_sentences_are_joined_with_a_space_in_english_and_none_after_a_chinese_stop():
    assert joined("One.", "", "Two.") == "One. Two."
    assert joined("一。", "二。") == "一。二。"
    assert joined("一：", "二") == "一：二"


def test_a_template_sets_its_translated_sentences_without_a_space_after_a_chinese_stop():
    rendered = Template("{% load scoring_extras %}{% sentences %}<p>一。 二。\n  {{ x }}</p>{% endsentences %}").render(
        Context({"x": "<三>"})
    )
    assert rendered == "<p>一。二。&lt;三&gt;</p>"  # what was escaped stays escaped


@pytest.mark.parametrize("path", ["/", "/about/"])
def test_chinese_pages_set_no_space_after_a_full_stop_and_show_no_stage_ids(client, path):
    page = client.get(path, headers=CHINESE).content.decode()
    assert "。" in page
    assert not re.search(r"。[ \t]", page)
    assert not STAGE_IDS.search(page)


def test_the_english_front_page_shows_no_stage_ids_either(client):
    page = client.get("/").content.decode()
    assert "Edges and colours" in page  # the example's stages, by their titles
    assert not STAGE_IDS.search(page) and "network's stem stage" not in page


def test_the_compare_page_note_sets_no_space_after_a_chinese_stop(client, alice):
    first, second = scored_rows(alice, 3.0, 4.0)
    client.force_login(alice)
    query = f"?go=1&photo={first.public_id}&photo={second.public_id}"
    page = client.get(reverse("scoring:compare") + query, headers=CHINESE).content.decode()
    assert "每个“10 人中有几人”的估计都已计入模型自身的误差" in page  # the note after the first sentence
    assert not re.search(r"。[ \t]", page)


def test_the_dark_filter_legend_in_chinese_joins_its_sentences_without_a_space(scored_photo):
    with translation.override("zh-hans"):
        legend = dark_filter_notes(scored_photo.model_version)["legend"]
    assert legend.count("。") >= 2 and "。 " not in legend
    assert json.dumps(legend)  # plain text for the page's script
