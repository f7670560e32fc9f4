from __future__ import annotations

import pytest

from sandbox.formatting import (
    EntityParseError,
    parse_formatted,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)


def test_html_basic_entities() -> None:
    ft = parse_html("<b>bold</b> <i>it</i> <a href='https://x.org'>link</a>")
    assert ft.text == "bold it link"
    assert ft.entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 2},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://x.org"},
    ]


def test_html_character_entities() -> None:
    ft = parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42;")
    assert ft.text == 'a <b> & "c" AB'


def test_html_nested_and_aliases() -> None:
    ft = parse_html("<strong><em>x</em></strong><ins>u</ins><del>s</del><tg-spoiler>p</tg-spoiler>")
    types = sorted(e["type"] for e in ft.entities)
    assert types == ["bold", "italic", "spoiler", "strikethrough", "underline"]


def test_html_pre_with_language() -> None:
    ft = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert ft.entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_html_blockquote_expandable_and_spoiler_span() -> None:
    ft = parse_html('<blockquote expandable>q</blockquote><span class="tg-spoiler">s</span>')
    assert [e["type"] for e in ft.entities] == ["expandable_blockquote", "spoiler"]


def test_html_tags_case_insensitive() -> None:
    assert parse_html("<B>x</B>").entities[0]["type"] == "bold"


def test_html_utf16_offsets() -> None:
    ft = parse_html("😀<b>x</b>")
    assert ft.entities == [{"type": "bold", "offset": 2, "length": 1}]
    assert utf16_len("😀x") == 3


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("1<2 and 3", 'Unsupported start tag "2" at byte offset 1'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("x <", "Unclosed start tag"),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("AT&T", 'Unescaped "&"'),
    ],
)
def test_html_errors(text: str, fragment: str) -> None:
    with pytest.raises(EntityParseError) as info:
        parse_html(text)
    assert fragment in str(info.value)


def test_html_lenient_ampersand_like_telegram() -> None:
    assert parse_html("AT&T", strict=False).text == "AT&T"


def test_strip_whitespace_shifts_entities() -> None:
    ft = parse_formatted("  <b>x</b>  ", "HTML")
    assert ft.text == "x"
    assert ft.entities == [{"type": "bold", "offset": 0, "length": 1}]


def test_markdown_v2() -> None:
    ft = parse_markdown_v2(r"*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://x.org) 1\.5")
    assert ft.text == "bold it u s sp c l 1.5"
    types = [e["type"] for e in ft.entities]
    assert types == [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "text_link",
    ]  # fmt: skip


def test_markdown_v2_reserved_character() -> None:
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("Version 1.5")


def test_markdown_v2_unclosed() -> None:
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity"):
        parse_markdown_v2("*bold")


def test_markdown_v2_pre_with_language() -> None:
    ft = parse_markdown_v2("```python\nprint(1)\n```")
    assert ft.text == "print(1)\n"
    assert ft.entities[0]["language"] == "python"


def test_markdown_v2_blockquote() -> None:
    ft = parse_markdown_v2(">quoted\n>more\nplain")
    assert ft.text == "quoted\nmore\nplain"
    assert ft.entities == [{"type": "blockquote", "offset": 0, "length": 11}]


def test_legacy_markdown() -> None:
    ft = parse_markdown("*b* _i_ `c` [l](https://x.org)")
    assert ft.text == "b i c l"
    assert [e["type"] for e in ft.entities] == ["bold", "italic", "code", "text_link"]
    with pytest.raises(EntityParseError, match="Can't find end of the entity"):
        parse_markdown("*unclosed")
