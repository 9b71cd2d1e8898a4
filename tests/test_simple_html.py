"""The fast reading of toot markup (`simple_html_text`) says exactly what `html_to_text` says,
and leaves any other markup to it."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedarchive.formats.htmltext import html_to_text, simple_html_text

TAGS = ["<p>", "</p>", "<br>", "<br/>", "<br />", "</br>", "<p/>", "</span>", "</a>",
        '<a href="https://fosstodon.example/tags/birds" class="mention hashtag" rel="tag">',
        '<span class="invisible">', '<span class="ellipsis">', '<span class="h-card">',
        '<a href="https://x.example/@ana" class="u-url mention">']
TEXT = st.lists(st.sampled_from(list("ab é日 \t\n\r&;#x0123lgtamp") +
                                ["&amp;", "&lt;", "&#39;", "&nbsp;", "&amp"]),
                max_size=12).map("".join)
MARKUP = st.lists(st.one_of(st.sampled_from(TAGS), TEXT), max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(MARKUP)
def test_toot_markup_reads_as_html_to_text_reads_it(markup):
    assert simple_html_text(markup) == html_to_text(markup).text


def test_a_toot_with_a_shortened_link_and_a_mention():
    markup = ('<p>Heron survey: <a href="https://birds.example/heron" rel="nofollow">'
              '<span class="invisible">https://</span><span class="ellipsis">birds.example/'
              '</span><span class="invisible">heron</span></a></p><p>with '
              '<span class="h-card"><a href="https://x.example/@ana">@<span>ana</span></a>'
              '</span><br />thanks &amp; see you</p>')
    assert simple_html_text(markup) == ("Heron survey: https://birds.example/heron\n\n"
                                        "with @ana\nthanks & see you")


def test_other_markup_is_left_to_html_to_text():
    for markup in ["<p>a<b>b</b></p>", "<p>1 < 2</p>", "<!-- x --><p>a</p>", "<P>a</P>",
                   "<a href='single'>x</a>", "<p>a", "<a hidden>x</a>"]:
        simple = simple_html_text(markup)
        assert simple is None or simple == html_to_text(markup).text, markup
    assert simple_html_text("<p>a<b>b</b></p>") is None
    assert simple_html_text("<p>1 < 2</p>") is None
