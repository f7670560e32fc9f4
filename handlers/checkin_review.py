"""What a member answering the check-in sees: a question with its buttons, the review of
every answer, last quarter's context; and the check-in's callback data (``ckin:…``).

``position`` (checkin_projects) is the index of the question asked next in the round's
questionnaire version; NULL means the review is shown. The handlers live in
handlers/checkin_answer.py (answering), checkin_list.py (/checkin) and checkin_away.py.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.context import BotContext
from bot.i18n import Translator
from handlers import checkin_values as values
from storage.checkins import Answer, Round, RoundProject
from storage.questionnaires import Question

PREFIX = "ckin"
GO, AWAY = "go", "away"  # the contract with the jobs' messages (handlers/checkin_prompts.py)
AWAY_YES, AWAY_NO = "awy", "awn"
ANSWER, SKIP, LATER, CHANGE, SUBMIT = "a", "s", "l", "c", "sub"
_MESSAGE_LIMIT = 4000  # a review longer than that is split (Telegram's limit is 4096)
_LABEL_LIMIT = 40  # a project name in a button label


def go_data(round_id: int, project_id: int) -> str:
    return pack(PREFIX, GO, round_id, project_id)


def away_data(round_id: int, project_id: int) -> str:
    return pack(PREFIX, AWAY, round_id, project_id)


def entry_buttons(t: Translator, round_id: int, project_id: int) -> InlineKeyboardMarkup:
    """Answer / out of office: for messages the bot sends on its own (prompt, hand-over)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("✍️ Answer now"), callback_data=go_data(round_id, project_id)
                )
            ],
            [
                InlineKeyboardButton(
                    t._("🏖 Out of office this round"), callback_data=away_data(round_id, project_id)
                )
            ],
        ]
    )


def day(t: Translator, end: datetime, form: str = "long") -> str:
    """A due or closing day: the stored instants are the local midnight after that day."""
    return t.date(end - timedelta(seconds=1), form)


def short(name: str) -> str:
    return name if len(name) <= _LABEL_LIMIT else name[: _LABEL_LIMIT - 1] + "…"


# Questions ----------------------------------------------------------------------------


async def questions_of(context: BotContext, round_: Round) -> tuple[Question, ...]:
    version = await context.services.questionnaires.get(round_.version_id)
    assert version is not None  # a round keeps its version (foreign key)
    return version.questions


def next_position(
    questions: tuple[Question, ...], answers: dict[str, Answer], after: int
) -> int | None:
    """The first unanswered question after ``after``, else the first anywhere, else the
    review (None): a change made from the review returns to it."""
    order = list(range(after + 1, len(questions))) + list(range(0, after + 1))
    return next((i for i in order if questions[i].key not in answers), None)


def _question_message(
    context: BotContext,
    round_: Round,
    project: RoundProject,
    questions: tuple[Question, ...],
    index: int,
    answers: dict[str, Answer],
    problem: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    default = context.services.config.default_language
    question = questions[index]
    lines = [problem, ""] if problem else []
    lines += [
        f"<b>{html.escape(project.project_name)}</b> – "
        + t._("Question {number} of {count}").format(number=index + 1, count=len(questions)),
        "",
        html.escape(values.question_text(question, t.language, default)),
    ]
    if not question.required:
        lines.append(t._("(optional)"))
    given = answers.get(question.key)
    if given is not None:
        shown = values.shown(t, question, given.value, t.language, default)
        lines += ["", t._("Current answer: {answer}").format(answer=html.escape(shown))]
    if question.type in ("number", "text"):
        lines += ["", f"<i>{html.escape(values.rule(t, question))}</i>"]
    data = (round_.id, project.project_id, index)
    rows: list[list[InlineKeyboardButton]] = []
    if question.type == "scale":
        rows.append(
            [
                InlineKeyboardButton(str(n), callback_data=pack(PREFIX, ANSWER, *data, n))
                for n in values.SCALE
            ]
        )
    elif question.type == "yes_no":
        rows.append(
            [
                InlineKeyboardButton(
                    t._("Yes"), callback_data=pack(PREFIX, ANSWER, *data, values.YES)
                ),
                InlineKeyboardButton(
                    t._("No"), callback_data=pack(PREFIX, ANSWER, *data, values.NO)
                ),
            ]
        )
    elif question.type == "choice":
        for i, option in enumerate(values.options(question, t.language, default)):
            rows.append(
                [InlineKeyboardButton(option, callback_data=pack(PREFIX, ANSWER, *data, i))]
            )
    if not question.required:
        rows.append([InlineKeyboardButton(t._("Skip"), callback_data=pack(PREFIX, SKIP, *data))])
    rows.append(
        [
            InlineKeyboardButton(
                t._("⏸ Continue later"),
                callback_data=pack(PREFIX, LATER, round_.id, project.project_id),
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def show_position(
    context: BotContext,
    chat_id: int,
    round_: Round,
    project_id: int,
    problem: str | None = None,
) -> None:
    """Send what the draft is at: its question (after ``problem``, if any) or the review."""
    services = context.services
    project = await services.checkins.project(round_.id, project_id)
    assert project is not None
    questions = await questions_of(context, round_)
    answers = await services.checkins.answers(round_.id, project_id)
    if project.position is None or not 0 <= project.position < len(questions):
        if problem:
            await context.bot.send_message(chat_id, problem)
        await _send_review(context, chat_id, round_, project, questions, answers)
        return
    text, markup = _question_message(
        context, round_, project, questions, project.position, answers, problem
    )
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def _send_review(
    context: BotContext,
    chat_id: int,
    round_: Round,
    project: RoundProject,
    questions: tuple[Question, ...],
    answers: dict[str, Answer],
) -> None:
    t = context.t
    default = context.services.config.default_language
    submitted = project.submitted_at is not None
    head = (
        t._(
            "<b>{project}</b> – your submitted answers. Change what you like until {date}, "
            "then tap “✅ Done”."
        )
        if submitted
        else t._("<b>{project}</b> – please check your answers, then tap “✅ Submit”.")
    ).format(project=html.escape(project.project_name), date=day(t, round_.closes_at))
    blocks = [head]
    for i, question in enumerate(questions):
        text = html.escape(values.question_text(question, t.language, default))
        given = answers.get(question.key)
        if given is None:
            shown = t._("(no answer yet)") + ("" if not question.required else " ⚠️")
        else:
            shown = html.escape(values.shown(t, question, given.value, t.language, default))
        blocks.append(f"<b>{i + 1}. {text}</b>\n{shown}")
    blocks.append(t._("Tap a number to change that answer."))
    chunks = [""]
    for block in blocks:
        joined = f"{chunks[-1]}\n\n{block}" if chunks[-1] else block
        if len(joined) > _MESSAGE_LIMIT:
            chunks.append(block)
        else:
            chunks[-1] = joined
    data = (round_.id, project.project_id)
    numbers = [
        InlineKeyboardButton(f"✏️ {i + 1}", callback_data=pack(PREFIX, CHANGE, *data, i))
        for i in range(len(questions))
    ]
    rows = [numbers[i : i + 4] for i in range(0, len(numbers), 4)]
    rows.append(
        [
            InlineKeyboardButton(
                t._("✅ Done") if submitted else t._("✅ Submit"),
                callback_data=pack(PREFIX, SUBMIT, *data),
            )
        ]
    )
    rows.append(
        [InlineKeyboardButton(t._("⏸ Continue later"), callback_data=pack(PREFIX, LATER, *data))]
    )
    for chunk in chunks[:-1]:
        await context.bot.send_message(chat_id, chunk)
    await context.bot.send_message(chat_id, chunks[-1], reply_markup=InlineKeyboardMarkup(rows))


async def context_message(context: BotContext, round_: Round, project: RoundProject) -> str | None:
    """Last quarter's obstacles and plans, shown when starting."""
    t = context.t
    previous = await context.services.checkins.previous_answers(round_.id, project.project_id)
    if previous is None:
        return None
    _, found = previous
    default = context.services.config.default_language
    questions = await questions_of(context, round_)
    # In the order they are asked now; a key this quarter's version no longer asks, last.
    order = [q.key for q in questions] + sorted(found)
    by_key = {q.key: q for q in questions}
    lines = [t._("<b>Last quarter</b> you wrote:")]
    for key in dict.fromkeys(k for k in order if k in found):
        question = by_key.get(key)
        title = key if question is None else values.question_text(question, t.language, default)
        lines += ["", f"<b>{html.escape(title)}</b>", html.escape(found[key])]
    return "\n".join(lines)
