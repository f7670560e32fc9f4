from __future__ import annotations

import random
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest

from sandbox.formatting import parse_html, utf16_len
from sandbox.models import BotMessage
from sandbox.rendering import message_html, safe_url, to_html

ALLOWED_TAGS = {"b", "i", "u", "s", "span", "code", "pre", "a", "blockquote", "br"}
ALLOWED_ATTRS = {
    "span": {"class"},
    "pre": {"data-language"},
    "a": {"href", "rel", "target", "class", "data-command"},
    "blockquote": {"class"},
}


class Checker(HTMLParser):
    """Records a structural problem instead of guessing, like a strict XML reader."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ALLOWED_ATTRS.get(tag, set()):
                self.problems.append(f"attribute {name} on {tag}")
            if name == "href" and value is not None:
                self.hrefs.append(value)
        if tag == "a" and "a" in self.stack:
            self.problems.append("nested link")
        if tag == "br":
            self.text.append("\n")
        else:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"misnested </{tag}> with open {self.stack}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @classmethod
    def check(cls, markup: str) -> Checker:
        checker = cls()
        checker.feed(markup)
        checker.close()
        if checker.stack:
            checker.problems.append(f"unclosed {checker.stack}")
        return checker


def render(bot_html: str) -> str:
    """What the page shows for a message the bot sent with parse_mode HTML."""
    ft = parse_html(bot_html)
    return to_html(ft.text, ft.entities)


def test_plain_text_is_escaped() -> None:
    assert (
        to_html("a < b & \"c\" 'd' > e", []) == "a &lt; b &amp; &quot;c&quot; &#x27;d&#x27; &gt; e"
    )


def test_script_in_text_stays_text() -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    markup = to_html(payload, [{"type": "bold", "offset": 8, "length": 8}])
    assert "<script" not in markup and "<img" not in markup
    checker = Checker.check(markup)
    assert checker.problems == []
    assert "".join(checker.text) == payload


def test_formatted_message_matches_bot_markup() -> None:
    source = (
        "<b>Bold</b>, <i>italic</i>, <u>under</u>, <s>struck</s>, "
        '<span class="tg-spoiler">secret</span>, <code>x = 1</code>, '
        '<a href="https://example.org/a?b=1&amp;c=2">link</a>'
    )
    assert render(source) == (
        "<b>Bold</b>, <i>italic</i>, <u>under</u>, <s>struck</s>, "
        '<span class="spoiler">secret</span>, <code>x = 1</code>, '
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" '
        'target="_blank">link</a>'
    )


def test_nested_entities() -> None:
    assert render("<b>bold <i>both <u>all</u></i> bold</b>") == (
        "<b>bold <i>both <u>all</u></i> bold</b>"
    )


def test_same_range_puts_blocks_and_links_outside_and_code_inside() -> None:
    text = "x"
    entities = [
        {"type": "code", "offset": 0, "length": 1},
        {"type": "bold", "offset": 0, "length": 1},
        {"type": "text_link", "offset": 0, "length": 1, "url": "https://a.example"},
        {"type": "blockquote", "offset": 0, "length": 1},
    ]
    assert to_html(text, entities) == (
        '<blockquote><a href="https://a.example" rel="noopener noreferrer" target="_blank">'
        "<b><code>x</code></b></a></blockquote>"
    )


def test_overlapping_entities_are_closed_and_reopened() -> None:
    entities = [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 3, "length": 5},
    ]
    assert to_html("abcdefgh", entities) == "<b>abc<i>de</i></b><i>fgh</i>"


def test_random_overlaps_are_always_well_formed() -> None:
    rng = random.Random(8)
    kinds = [
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
        "blockquote", "expandable_blockquote", "url", "text_link", "bot_command", "hashtag",
    ]  # fmt: skip
    text = "Grüße 👋🏽 مرحبا\n<tag> & 𝔘𝔫𝔦 /start example.org"
    units = utf16_len(text)
    for _ in range(300):
        entities: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 6)):
            offset = rng.randint(0, units - 1)
            entity: dict[str, Any] = {
                "type": rng.choice(kinds),
                "offset": offset,
                "length": rng.randint(1, units - offset),
            }
            if entity["type"] == "text_link":
                entity["url"] = rng.choice(["https://ok.example", "javascript:alert(1)"])
            entities.append(entity)
        markup = to_html(text, entities)
        checker = Checker.check(markup)
        assert checker.problems == [], (entities, markup)
        assert "".join(checker.text) == text, (entities, markup)
        assert all(h == "#" or h.startswith("https://") for h in checker.hrefs), markup


def test_emoji_offsets_count_utf16_units() -> None:
    # 👋 is one code point but two UTF-16 units; the family is 8 units (3 emoji + 2 ZWJ).
    assert render("👋 <b>Hallo</b>") == "👋 <b>Hallo</b>"
    assert render("👨‍👩‍👧 <i>Familie</i> 🎉<u>!</u>") == "👨‍👩‍👧 <i>Familie</i> 🎉<u>!</u>"
    text = "𝔘𝔫𝔦 ok"
    assert to_html(text, [{"type": "bold", "offset": 7, "length": 2}]) == "𝔘𝔫𝔦 <b>ok</b>"
    assert to_html(text, [{"type": "bold", "offset": 2, "length": 2}]) == "𝔘<b>𝔫</b>𝔦 ok"


def test_offset_inside_a_surrogate_pair_keeps_the_whole_character() -> None:
    assert to_html("a😀b", [{"type": "bold", "offset": 2, "length": 1}]) == "a<b>😀</b>b"


def test_arabic_text() -> None:
    source = "مرحبا <b>بك</b> في <i>الشبكة</i> 🌙\n/start"
    ft = parse_html(source)
    ft.entities.append({"type": "bot_command", "offset": utf16_len(ft.text) - 6, "length": 6})
    assert to_html(ft.text, ft.entities) == (
        'مرحبا <b>بك</b> في <i>الشبكة</i> 🌙<br><a href="#" class="command" '
        'data-command="/start">/start</a>'
    )


def test_newlines_become_line_breaks() -> None:
    assert to_html("one\ntwo\r\nthree", []) == "one<br>two<br>three"
    assert render("a\n<pre>x\ny</pre>") == "a<br><pre>x<br>y</pre>"


def test_pre_language_and_expandable_quote() -> None:
    assert render('<pre><code class="language-python">print(1)</code></pre>') == (
        '<pre data-language="python">print(1)</pre>'
    )
    entities = [{"type": "pre", "offset": 0, "length": 1, "language": '"><script>'}]
    assert to_html("x", entities) == '<pre data-language="&quot;&gt;&lt;script&gt;">x</pre>'
    assert render("<blockquote expandable>long\nquote</blockquote>") == (
        '<blockquote class="expandable">long<br>quote</blockquote>'
    )


def test_bot_commands_become_clickable_commands() -> None:
    text = "Tap /help or /events@kosizu_bot"
    entities = [
        {"type": "bot_command", "offset": 4, "length": 5},
        {"type": "bot_command", "offset": 13, "length": 18},
    ]
    assert to_html(text, entities) == (
        'Tap <a href="#" class="command" data-command="/help">/help</a> or '
        '<a href="#" class="command" data-command="/events@kosizu_bot">/events@kosizu_bot</a>'
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "/relative/path",
        "//evil.example/x",
    ],
)
def test_dangerous_text_link_shows_text_without_link(url: str) -> None:
    entities = [{"type": "text_link", "offset": 0, "length": 5, "url": url}]
    assert to_html("click", entities) == "click"
    assert safe_url(url) is None


def test_link_attribute_cannot_break_out() -> None:
    url = 'https://example.org/"><script>alert(1)</script>'
    markup = to_html("x", [{"type": "text_link", "offset": 0, "length": 1, "url": url}])
    assert markup == (
        '<a href="https://example.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" '
        'rel="noopener noreferrer" target="_blank">x</a>'
    )
    assert unescape(Checker.check(markup).hrefs[0]) == url


def test_url_like_entities_get_safe_links() -> None:
    text = "example.org/x mail@example.org +49 30 1234567 @kosizu_bot Ada #tag javascript:x"
    entities = [
        {"type": "url", "offset": 0, "length": 13},
        {"type": "email", "offset": 14, "length": 16},
        {"type": "phone_number", "offset": 31, "length": 14},
        {"type": "mention", "offset": 46, "length": 11},
        {"type": "text_mention", "offset": 58, "length": 3, "user": {"id": 1001}},
        {"type": "hashtag", "offset": 62, "length": 4},
        {"type": "url", "offset": 67, "length": 12},
    ]
    attrs = 'rel="noopener noreferrer" target="_blank"'
    assert to_html(text, entities) == (
        f'<a href="https://example.org/x" {attrs}>example.org/x</a> '
        f'<a href="mailto:mail@example.org" {attrs}>mail@example.org</a> '
        f'<a href="tel:+49301234567" {attrs}>+49 30 1234567</a> '
        f'<a href="https://t.me/kosizu_bot" {attrs}>@kosizu_bot</a> '
        f'<a href="tg://user?id=1001" {attrs}>Ada</a> #tag javascript:x'
    )


def test_allowed_schemes() -> None:
    for url in ("http://a.example", "HTTPS://a.example", "tg://resolve?domain=x", "tel:+491"):
        assert safe_url(url) == url
    assert safe_url("mailto:a@b.example") == "mailto:a@b.example"
    assert safe_url("localhost:8080/x") == "https://localhost:8080/x"


def test_links_never_nest() -> None:
    entities = [
        {"type": "text_link", "offset": 0, "length": 10, "url": "https://outer.example"},
        {"type": "url", "offset": 4, "length": 10},
    ]
    markup = to_html("see a.example/xyz", entities)
    assert Checker.check(markup).problems == []
    assert markup.count("<a ") == 2
    assert markup.startswith('<a href="https://outer.example"')


def test_malformed_entities_are_ignored_or_clamped() -> None:
    entities: list[Any] = [
        {"type": "bold", "offset": -3, "length": 5},
        {"type": "italic", "offset": 3, "length": 100},
        {"type": "underline", "offset": 50, "length": 2},
        {"type": "strikethrough", "offset": 1, "length": 0},
        {"type": "bold", "offset": "1", "length": 1},
        {"type": "no_such_type", "offset": 0, "length": 1},
        {"type": "text_link", "offset": 0, "length": 1},
        {"type": "text_mention", "offset": 0, "length": 1, "user": {"id": "x"}},
        "garbage",
    ]
    assert to_html("abcde", entities) == "<b>ab</b>c<i>de</i>"


def test_message_html_uses_text_or_caption() -> None:
    text = BotMessage(
        message_id=1,
        chat_id=1,
        date=0,
        plain_text="Hi <you>",
        entities=[{"type": "bold", "offset": 0, "length": 2}],
    )
    assert message_html(text) == "<b>Hi</b> &lt;you&gt;"
    photo = BotMessage(
        message_id=2,
        chat_id=1,
        date=0,
        caption_plain="Chart",
        caption_entities=[{"type": "italic", "offset": 0, "length": 5}],
    )
    assert message_html(photo) == "<i>Chart</i>"
    assert message_html(BotMessage(message_id=3, chat_id=1, date=0)) == ""


def test_commands_links_and_mentions_without_entities_are_detected() -> None:
    # Telegram finds these itself; the emulator sends the bot's text without them.
    attrs = 'rel="noopener noreferrer" target="_blank"'
    assert render("Tippe /start oder /events@kosizu_bot, 👋 siehe https://example.org/a.") == (
        'Tippe <a href="#" class="command" data-command="/start">/start</a> oder '
        '<a href="#" class="command" data-command="/events@kosizu_bot">/events@kosizu_bot</a>, '
        f'👋 siehe <a href="https://example.org/a" {attrs}>https://example.org/a</a>.'
    )
    assert to_html("Mail a.b@example.org or @kosizu_bot", []) == (
        f'Mail <a href="mailto:a.b@example.org" {attrs}>a.b@example.org</a> or '
        f'<a href="https://t.me/kosizu_bot" {attrs}>@kosizu_bot</a>'
    )


def test_detection_leaves_code_links_and_paths_alone() -> None:
    assert render("<code>/start</code> and/or 1/2 and &lt;/b&gt;") == (
        "<code>/start</code> and/or 1/2 and &lt;/b&gt;"
    )
    assert render('<a href="https://x.example">/help</a>') == (
        '<a href="https://x.example" rel="noopener noreferrer" target="_blank">/help</a>'
    )
    assert to_html("/start", [], detect=False) == "/start"


def test_carriage_returns_do_not_shift_offsets() -> None:
    assert to_html("a\r\nb c", [{"type": "bold", "offset": 3, "length": 1}]) == "a<br><b>b</b> c"
