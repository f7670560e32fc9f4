"""How a draft reads to staff while they write it: the step names, each step's question and
buttons, the preview before publishing, and the lines that describe an event on its card.

Dates, place and seats read as in the members' own views (handlers/event_format.py), so the
preview shows an event exactly as members will see it.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from handlers.event_format import (
    MESSAGE_LENGTH,
    place,
    seats_line,
    span,
    text_in,
    visible_length,
    when,
)
from handlers.event_input import (
    DESCRIPTION_MAX,
    MAX_QUESTIONS,
    OPTION_MAX,
    OPTIONS,
    QUESTION_LENGTH,
    SEATS,
    TITLE_LENGTH,
    VENUE_LENGTH,
)
from handlers.labels import (
    AUDIENCE_LABELS,
    EVENT_KIND_LABELS,
    LANGUAGE_LABELS,
    REGION_LABELS,
    ROLE_LABELS,
)
from handlers.pickers import DONE, choice_keyboard, multi_select
from storage.events import Event, EventDraft, Question
from storage.vocabulary import ROLES

PREFIX = "evadm"  # the list of events and their cards
OPEN = pack(PREFIX)
NEW = pack(PREFIX, "new")
CONTINUE = "go"
STEP = "evnew"  # the buttons of the drafting conversation
MAX_ID_DIGITS = 9
# The buttons under the preview (handlers/events_admin.py publishes and discards).
PREVIEW_ACTIONS = ("publish", "discard", "discard_ok", "back")


class Step:
    """The steps of a draft, in order; stored in event_drafts.step."""

    KIND = "kind"
    TITLE = "title"
    DESCRIPTION = "description"
    STARTS = "starts"
    ENDS = "ends"
    PLACE = "place"  # venue or online?
    VENUE = "venue"
    LINK = "link"
    REGION = "region"
    AUDIENCE = "audience"
    CAPACITY = "capacity"
    QUOTAS = "quotas"
    DEADLINE = "deadline"
    QUESTIONS = "questions"  # add one, or done
    Q_KIND = "q_kind"
    Q_TEXT = "q_text"
    Q_OPTIONS = "q_options"
    Q_SENSITIVE = "q_sensitive"
    Q_REQUIRED = "q_required"
    TRANSLATIONS = "translations"  # add one, or on to the preview
    TR_LANGUAGE = "tr_language"
    TR_TITLE = "tr_title"
    TR_DESCRIPTION = "tr_description"
    TR_QUESTION = "tr_question"  # each question's text in that language (event_drafts.question_id)
    TR_OPTIONS = "tr_options"  # then, for a single choice, its options
    PREVIEW = "preview"


# The step number staff see ("step 6 of 14"); the parts of a step share its number.
_NUMBER = {
    Step.KIND: 1,
    Step.TITLE: 2,
    Step.DESCRIPTION: 3,
    Step.STARTS: 4,
    Step.ENDS: 5,
    Step.PLACE: 6,
    Step.VENUE: 6,
    Step.LINK: 6,
    Step.REGION: 7,
    Step.AUDIENCE: 8,
    Step.CAPACITY: 9,
    Step.QUOTAS: 10,
    Step.DEADLINE: 11,
    Step.QUESTIONS: 12,
    Step.Q_KIND: 12,
    Step.Q_TEXT: 12,
    Step.Q_OPTIONS: 12,
    Step.Q_SENSITIVE: 12,
    Step.Q_REQUIRED: 12,
    Step.TRANSLATIONS: 13,
    Step.TR_LANGUAGE: 13,
    Step.TR_TITLE: 13,
    Step.TR_DESCRIPTION: 13,
    Step.TR_QUESTION: 13,
    Step.TR_OPTIONS: 13,
    Step.PREVIEW: 14,
}
_STEPS = max(_NUMBER.values())
# Steps that take a typed answer (some also offer a button); the others take buttons only.
TYPED_STEPS = frozenset(
    {
        Step.TITLE,
        Step.DESCRIPTION,
        Step.STARTS,
        Step.ENDS,
        Step.VENUE,
        Step.LINK,
        Step.CAPACITY,
        Step.QUOTAS,
        Step.DEADLINE,
        Step.Q_TEXT,
        Step.Q_OPTIONS,
        Step.TR_TITLE,
        Step.TR_DESCRIPTION,
        Step.TR_QUESTION,
        Step.TR_OPTIONS,
    }
)

QUESTION_KIND_LABELS = {
    "text": N_("Free text"),
    "choice": N_("Single choice"),
    "yes_no": N_("Yes / no"),
}
STATE_LABELS = {
    "draft": N_("draft"),
    "published": N_("published"),
    "cancelled": N_("cancelled"),
}
STATE_ICONS = {"draft": "📝", "published": "📅", "cancelled": "❌"}


def _audience(t: Translator, event: Event) -> str:
    chosen = [code for code in ROLES if event.admits(code)]
    return ", ".join(t._(AUDIENCE_LABELS[code]) for code in chosen) or t._("nobody yet")


def _seats(t: Translator, event: Event) -> str:
    assert event.capacity is not None
    seats = t.ngettext("{count} seat", "{count} seats", event.capacity).format(count=event.capacity)
    if event.police_seats is None or event.community_seats is None:
        return seats
    return t._(
        "{seats}, of them {police} for police contacts and {community} for community "
        "representatives"
    ).format(seats=seats, police=event.police_seats, community=event.community_seats)


def detail_lines(t: Translator, event: Event) -> list[str]:
    """What staff need to know of an event, online link included; a draft's gaps named."""
    not_set = t._("not set yet")
    region = t._(REGION_LABELS[event.region]) if event.region else not_set
    lines = [
        t._("{kind} · {region}").format(kind=t._(EVENT_KIND_LABELS[event.kind]), region=region)
    ]
    if event.starts_at is not None and event.ends_at is not None:
        lines.append(t._("🕒 {span}").format(span=span(t, event)))
    elif event.starts_at is not None:
        lines.append(t._("🕒 {when}").format(when=when(t, event.starts_at)))
    else:
        lines.append("🕒 " + not_set)
    if event.venue is not None:
        lines.append(t._("📍 {venue}").format(venue=html.escape(event.venue)))
    elif event.online_url is not None:
        lines.append(t._("💻 Online: {link}").format(link=html.escape(event.online_url)))
    else:
        lines.append("📍 " + not_set)
    lines.append("👥 " + t._("For {audience}").format(audience=_audience(t, event)))
    lines.append("🎟 " + (_seats(t, event) if event.capacity is not None else not_set))
    deadline = event.registration_deadline
    lines.append(
        t._("⏰ Registration until {date}").format(
            date=when(t, deadline) if deadline is not None else not_set
        )
    )
    return lines


def _team_lines(t: Translator, event: Event) -> list[str]:
    """What the preview's member view leaves out: kind, audience, every quota, the link."""
    lines = [
        t._("Kind: {kind}").format(kind=t._(EVENT_KIND_LABELS[event.kind])),
        "👥 " + t._("For {audience}").format(audience=_audience(t, event)),
        "🎟 " + _seats(t, event),
    ]
    if event.online_url is not None:
        lines.append(t._("💻 Online: {link}").format(link=html.escape(event.online_url)))
    return lines


async def member_view(context: BotContext, event: Event, role: str) -> list[str]:
    """The event's details as a member of ``role`` without a registration sees them, in the
    reader's language (laid out like handlers/events.py's details screen), as blocks."""
    services, t = context.services, context.t
    assert event.region is not None and event.registration_deadline is not None
    text = text_in(t, event, services.config.default_language)
    seats = await services.registrations.seats(event, event.seat_for(role))
    title = f"<b>{html.escape(text.title)}</b>"
    head = [title]
    if text.description:
        description = html.escape(text.description)
        joined = f"{title}\n{description}"
        # Only a title and description of wide characters (emoji) overflow one message.
        head = [joined] if visible_length(joined) <= MESSAGE_LENGTH else [title, description]
    facts = [
        t._("🕒 {span}").format(span=span(t, event)),
        place(t, event, confirmed=False),
        t._("🗺 {region}").format(region=t._(REGION_LABELS[event.region])),
        seats_line(t, seats),
        t._("⏰ Registration until {date}").format(date=when(t, event.registration_deadline)),
    ]
    return [*head, "\n".join(facts)]


def _question_lines(
    t: Translator, number: int, question: Question, language: str, *, languages: bool = False
) -> list[str]:
    """A question as staff read it, in ``language`` (the default); with ``languages``, also
    which languages members can read it in."""
    prompt = question.prompt.get(language) or next(iter(question.prompt.values()), "")
    flags = " · ".join(
        [
            t._(QUESTION_KIND_LABELS[question.kind]),
            t._("required") if question.required else t._("optional"),
            t._("🔒 sensitive") if question.sensitive else t._("not sensitive"),
        ]
    )
    lines = [f"{number}. {html.escape(prompt)}", f"    <i>{flags}</i>"]
    if languages:
        lines.append("    " + question_languages(t, question, language))
    for option in question.options:
        text = option.get(language) or next(iter(option.values()), "")
        lines.append(f"    ○ {html.escape(text)}")
    return lines


def question_languages(t: Translator, question: Question, default_language: str) -> str:
    """The languages a question is written in, the default first; a single choice whose
    options are not translated with its text says so."""
    names = []
    written = [code for code in LANGUAGES if code in question.prompt]
    for code in sorted(written, key=lambda code: code != default_language):
        name = language_name(t, code)
        if not all(code in option for option in question.options):
            name = t._("{language} (options untranslated)").format(language=name)
        names.append(name)
    return t._("🌐 {languages}").format(languages=", ".join(names))


def _translation_prompt(
    t: Translator, draft: EventDraft, questions: list[Question], default_language: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """A question's text (TR_QUESTION) or its options (TR_OPTIONS), asked in the language
    being added; the default language's words shown to translate from, and what that
    language has already, since adding a language again may only be to correct it."""
    found = [(n, q) for n, q in enumerate(questions, start=1) if q.id == draft.question_id]
    language = draft.language
    skip = "trskip" if draft.step == Step.TR_QUESTION else "troskip"
    if not found or language is None:  # the question went from under the draft: move on
        button = draft_button(t._("Skip"), skip, draft.question_id or 0)
        return t._("This question is no longer there."), [[button]]
    number, question = found[0]
    target, source = language_name(t, language), language_name(t, default_language)
    if draft.step == Step.TR_QUESTION:
        original = question.prompt.get(default_language) or next(iter(question.prompt.values()))
        lines = [
            t._("Question {number} of {total}, in {language}:").format(
                number=number, total=len(questions), language=source
            ),
            f"<i>{html.escape(original)}</i>",
        ]
        so_far = question.prompt.get(language)
        if so_far is not None:
            lines.append(
                t._("In {language} so far: {text}").format(
                    language=target, text=f"<i>{html.escape(so_far)}</i>"
                )
            )
            rule = t._(
                "Please send this question in {language} ({low} to {high} characters), or tap "
                "“Skip” to keep it as it is."
            )
        else:
            rule = t._(
                "Please send this question in {language} ({low} to {high} characters), or tap "
                "“Skip” to leave it in {default}."
            )
        lines += [
            "",
            rule.format(
                language=target, low=QUESTION_LENGTH[0], high=QUESTION_LENGTH[1], default=source
            ),
        ]
        return "\n".join(lines), [[draft_button(t._("Skip"), skip, question.id)]]
    lines = [
        t._("The options of question {number}, in {language}:").format(
            number=number, language=source
        )
    ]
    for option in question.options:
        line = "○ " + html.escape(option.get(default_language) or next(iter(option.values())))
        if language in option:
            line += " → " + html.escape(option[language])
        lines.append(line)
    count = len(question.options)
    if all(language in option for option in question.options):
        rule = t.ngettext(
            "Please send the {count} option in {language}, one per line in the same order "
            "(each at most {length} characters), or tap “Skip” to keep it as it is.",
            "Please send the {count} options in {language}, one per line in the same order "
            "(each at most {length} characters), or tap “Skip” to keep them as they are.",
            count,
        )
    else:
        rule = t.ngettext(
            "Please send the {count} option in {language}, one per line in the same order "
            "(each at most {length} characters), or tap “Skip” to leave it in {default}.",
            "Please send the {count} options in {language}, one per line in the same order "
            "(each at most {length} characters), or tap “Skip” to leave them in {default}.",
            count,
        )
    lines += ["", rule.format(count=count, language=target, length=OPTION_MAX, default=source)]
    return "\n".join(lines), [[draft_button(t._("Skip"), skip, question.id)]]


def title_of(t: Translator, event: Event, default_language: str) -> str:
    text = event.text(t.language, default_language)
    return text.title if text is not None else t._("(no title yet)")


def _messages(blocks: list[str]) -> list[str]:
    """Blocks joined into as few messages as Telegram's length allows (a block never exceeds
    it: titles, descriptions and questions are limited far below)."""
    out: list[str] = []
    for block in blocks:
        if out and visible_length(out[-1] + "\n\n" + block) <= MESSAGE_LENGTH:
            out[-1] += "\n\n" + block
        else:
            out.append(block)
    return out


def rows_of(markup: InlineKeyboardMarkup) -> list[list[InlineKeyboardButton]]:
    return [list(row) for row in markup.inline_keyboard]


def draft_button(label: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(STEP, *parts))


def language_name(t: Translator, code: str) -> str:
    return t._(LANGUAGE_LABELS[code])


def step_of(draft: EventDraft | None) -> str:
    return Step.KIND if draft is None else draft.step


def step_prompt(
    context: BotContext, draft: EventDraft | None, questions: list[Question]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question of the draft's current step, with its buttons."""
    t = context.t
    config = context.services.config
    step = step_of(draft)
    default = language_name(t, config.default_language)
    header = t._("<b>New event</b> · step {number} of {total}").format(
        number=_NUMBER[step], total=_STEPS
    )
    rows: list[list[InlineKeyboardButton]] = []
    if draft is None:
        text = t._("What kind of event is it?")
        kinds = choice_keyboard(t, STEP, EVENT_KIND_LABELS, columns=2, extra_parts=("kind",))
        return f"{header}\n{text}", kinds
    event = draft.event
    match step:
        case Step.TITLE | Step.TR_TITLE:
            language = draft.language if step == Step.TR_TITLE and draft.language else None
            text = t._("Please send the title in {language} ({low} to {high} characters).").format(
                language=language_name(t, language) if language else default,
                low=TITLE_LENGTH[0],
                high=TITLE_LENGTH[1],
            )
        case Step.DESCRIPTION | Step.TR_DESCRIPTION:
            language = draft.language if step == Step.TR_DESCRIPTION and draft.language else None
            text = t._(
                "Please send a description in {language} (at most {high} characters), or tap "
                "“Skip”."
            ).format(
                language=language_name(t, language) if language else default,
                high=DESCRIPTION_MAX,
            )
            rows = [[draft_button(t._("Skip"), "skip")]]
        case Step.STARTS:
            text = t._(
                "When does it start? Please send the date and time like 2027-03-14 10:00 or "
                "14.03.2027 10:00 ({zone} time)."
            ).format(zone=html.escape(config.timezone.key))
        case Step.ENDS:
            assert event.starts_at is not None
            text = t._(
                "It starts {start}. When does it end? Please send the date and time, or only "
                "the time (like 17:00) when it ends on the same day."
            ).format(start=when(t, event.starts_at))
        case Step.PLACE:
            text = t._("Where does it take place?")
            rows = [[draft_button(t._("📍 At a venue"), "place", "venue")],
                    [draft_button(t._("💻 Online"), "place", "online")]]  # fmt: skip
        case Step.VENUE:
            text = t._("Please send the address of the venue ({low} to {high} characters).").format(
                low=VENUE_LENGTH[0], high=VENUE_LENGTH[1]
            )
            rows = [[draft_button(t._("💻 Online instead"), "place", "online")]]
        case Step.LINK:
            text = t._(
                "Please send the link to the online meeting; it must start with https://. "
                "Only confirmed participants will see it."
            )
            rows = [[draft_button(t._("📍 At a venue instead"), "place", "venue")]]
        case Step.REGION:
            text = t._("Which region is the event for?")
            rows = rows_of(
                choice_keyboard(t, STEP, REGION_LABELS, columns=2, extra_parts=("region",))
            )
        case Step.AUDIENCE:
            text = t._("Who may attend? Tap to choose, then “Done”.")
            chosen = [code for code in ROLES if event.admits(code)]
            rows = rows_of(
                multi_select(t, STEP, AUDIENCE_LABELS, chosen, columns=1, extra_parts=("aud",))
            )
        case Step.CAPACITY:
            text = t._(
                "How many seats are there in all? Please send a number from {low} to {high}."
            )
            text = text.format(low=SEATS[0], high=SEATS[1])
        case Step.QUOTAS:
            text = t._(
                "Should seats be kept for each side, so the dialogue stays balanced? Send two "
                "numbers: seats for police contacts, then seats for community representatives, "
                "like “20 20” (together at most {capacity}). Or tap “No separate quotas”."
            ).format(capacity=event.capacity)
            rows = [[draft_button(t._("No separate quotas"), "noquota")]]
        case Step.DEADLINE:
            text = t._(
                "Until when may members sign up or cancel? Please send a date and time like "
                "2027-03-10 18:00, or tap “Until the start”."
            )
            rows = [[draft_button(t._("Until the start"), "atstart")]]
        case Step.QUESTIONS:
            lines = [
                t._(
                    "Questions members answer when they sign up, such as dietary requirements, "
                    "accessibility needs or an accompanying person."
                ),
                "",
            ]
            if not questions:
                lines.append(t._("No questions yet."))
            for number, question in enumerate(questions, start=1):
                lines += _question_lines(t, number, question, config.default_language)
            text = "\n".join(lines)
            if len(questions) < MAX_QUESTIONS:
                rows.append([draft_button(t._("➕ Add a question"), "q", "add")])
            rows.append([draft_button(t._("Done"), "q", DONE)])
        case Step.Q_KIND:
            text = t._("What kind of question?")
            rows = rows_of(choice_keyboard(t, STEP, QUESTION_KIND_LABELS, extra_parts=("qkind",)))
            rows.append([draft_button(t._("« Back"), "q", "back")])
        case Step.Q_TEXT:
            text = t._("Please send the question in {language} ({low} to {high} characters).")
            text = text.format(language=default, low=QUESTION_LENGTH[0], high=QUESTION_LENGTH[1])
        case Step.Q_OPTIONS:
            text = t._(
                "Please send the options to choose from, one per line ({low} to {high} options, "
                "each at most {length} characters)."
            ).format(low=OPTIONS[0], high=OPTIONS[1], length=OPTION_MAX)
        case Step.Q_SENSITIVE:
            text = t._(
                "Can an answer reveal something sensitive, such as religion (dietary needs) or "
                "health (accessibility needs)? Sensitive answers are left out of exports unless "
                "chosen, and deleted 30 days after the event."
            )
            rows = [[draft_button(t._("🔒 Sensitive"), "sens", 1)],
                    [draft_button(t._("Not sensitive"), "sens", 0)]]  # fmt: skip
        case Step.Q_REQUIRED:
            text = t._("Must members answer it to sign up?")
            rows = [
                [draft_button(t._("Required"), "req", 1), draft_button(t._("Optional"), "req", 0)]
            ]
        case Step.TRANSLATIONS:
            added = [
                language_name(t, code)
                for code in LANGUAGES
                if code in event.texts and code != config.default_language
            ]
            text = "\n".join(
                [
                    t._(
                        "Members read the title, the description and the questions in their "
                        "language, else in {language}. You may add translations."
                    ).format(language=default),
                    t._("Translations: {languages}").format(
                        languages=", ".join(added) if added else t._("none yet")
                    ),
                ]
            )
            rows = [[draft_button(t._("🌐 Add a translation"), "tr", "add")],
                    [draft_button(t._("Continue to the preview"), "tr", DONE)]]  # fmt: skip
        case Step.TR_LANGUAGE:
            text = t._("Which language?")
            rows = [
                [
                    draft_button(
                        ("✅ " if code in event.texts else "") + LANGUAGE_NAMES[code],
                        "trlang",
                        code,
                    )
                ]
                for code in LANGUAGES
                if code != config.default_language
            ]
            rows.append([draft_button(t._("« Back"), "tr", "back")])
        case Step.TR_QUESTION | Step.TR_OPTIONS:
            text, rows = _translation_prompt(t, draft, questions, config.default_language)
        case _:  # the preview: it is above; this is its reminder
            text = t._("Publish the event as previewed above, or discard the draft?")
            rows = rows_of(preview_buttons(t, event.id))
    return f"{header}\n{text}", InlineKeyboardMarkup(rows) if rows else None


def preview_buttons(t: Translator, event_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [draft_button(t._("✅ Publish"), "publish", event_id)],
            [draft_button(t._("🗑 Discard draft"), "discard", event_id)],
        ]
    )


async def preview(context: BotContext, draft: EventDraft, questions: list[Question]) -> list[str]:
    """The member's view, then what only staff see, then the questions; in as many messages
    as Telegram's length needs."""
    t = context.t
    default = context.services.config.default_language
    event = draft.event
    # Seats free "for you" depend on the reader's side: show the first side that may attend.
    role = next(code for code in ROLES if event.admits(code))
    blocks = [
        t._("<b>New event</b> · step {number} of {total}").format(
            number=_NUMBER[Step.PREVIEW], total=_STEPS
        )
        + "\n"
        + t._("<b>Preview</b> – as a {role} will see it:").format(role=t._(ROLE_LABELS[role])),
        *await member_view(context, event, role),
        "\n".join(["<b>" + t._("Details for the network team") + "</b>", *_team_lines(t, event)]),
    ]
    question_blocks = ["\n".join(_question_lines(t, n, q, default, languages=True)) for n, q in
                       enumerate(questions, start=1)]  # fmt: skip
    heading = "<b>" + t._("Questions at sign-up") + "</b>"
    if not question_blocks:
        blocks.append(heading + "\n" + t._("none"))
    else:
        question_blocks[0] = heading + "\n" + question_blocks[0]
        blocks += question_blocks
    blocks.append(t._("Publish it now?"))
    return _messages(blocks)


def resume_question(
    t: Translator, draft: EventDraft, default_language: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = t._(
        "You have an unfinished event draft: “{title}”. Continue it, or start afresh "
        "(the draft is then discarded)?"
    ).format(title=html.escape(title_of(t, draft.event, default_language)))
    markup = InlineKeyboardMarkup(
        [
            [draft_button(t._("▶️ Continue"), "continue", draft.event.id)],
            [draft_button(t._("🆕 Start afresh"), "afresh", draft.event.id)],
        ]
    )
    return text, markup
