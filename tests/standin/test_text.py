"""Block Kit as terminal text: what the demo and the console print."""

from __future__ import annotations

from typing import Any

from bot.standin.text import Control, Painter
from tests.dates import NEXT_YEAR, on, utc, weekday_after

# The second Monday of January: London on GMT and New York on EST, as the times
# below assume, and a day of the month (8 to 14) whose ordinal ends in "th".
WINTER_MONDAY = weekday_after(utc(NEXT_YEAR, 1, 7), 0)
TEN_UTC = int(on(WINTER_MONDAY, 10).timestamp())
DAY_LABEL = f"{WINTER_MONDAY:%a %-d %b}"


def _button(label: str, action_id: str, value: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
        **extra,
    }


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def test_buttons_are_numbered_across_everything_one_painter_renders() -> None:
    painter = Painter()
    request = painter.message(
        {
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "Ben asked for a session"}},
                {
                    "type": "actions",
                    "elements": [
                        _button("Accept", "accept", "s1"),
                        _button("Decline", "decline", "s1"),
                    ],
                },
            ]
        }
    )
    card = painter.message(
        {
            "blocks": [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "*Maya*"},
                    "accessory": _button("Book", "book", "m1"),
                }
            ]
        }
    )
    assert request == "Ben asked for a session\n[1 Accept] [2 Decline]"
    assert card == "*Maya*\n[3 Book]"
    assert painter.controls == [
        Control("Accept", "accept", "s1"),
        Control("Decline", "decline", "s1"),
        Control("Book", "book", "m1"),
    ]


def test_a_slack_date_reads_in_each_readers_own_zone() -> None:
    fallback = f"{DAY_LABEL}, 10:00 (UTC)"
    text = f"Starts <!date^{TEN_UTC}^{{date_short_pretty}} at {{time}}|{fallback}>"
    day = f"{WINTER_MONDAY:%b %-d, %Y}"
    assert Painter(zone="Europe/London").mrkdwn(text) == f"Starts {day} at 10:00"
    assert Painter(zone="America/New_York").mrkdwn(text) == f"Starts {day} at 05:00"
    long_form = f"<!date^{TEN_UTC}^{{date_long}}|x>"
    long_day = f"Monday, {WINTER_MONDAY:%B %-d}th, {NEXT_YEAR}"
    assert Painter(zone="Asia/Kolkata").mrkdwn(long_form) == long_day


def test_mentions_links_and_escapes_read_as_a_person_would_read_them() -> None:
    painter = Painter(names={"UMAYA": "Maya Patel"})
    text = (
        "<@UMAYA> shared <https://x.example/doc|the doc> &amp; <https://y.example> in <#C1|general>"
    )
    assert painter.mrkdwn(text) == (
        "@Maya Patel shared the doc (https://x.example/doc) & https://y.example in #general"
    )


def test_headers_fields_context_and_dividers_keep_their_shape() -> None:
    text = Painter().message(
        {
            "text": "fallback, not shown when there are blocks",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Dashboard"}},
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": "*Mentors*\n2"},
                        {"type": "mrkdwn", "text": "*Mentees*\n3"},
                    ],
                },
                {"type": "divider"},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Last 30 days"}]},
            ],
        }
    )
    assert text.splitlines() == [
        "# Dashboard",
        "  *Mentors* 2",
        "  *Mentees* 3",
        "─" * 40,
        "  Last 30 days",
    ]


def test_a_message_without_blocks_shows_its_text() -> None:
    assert Painter().message({"text": "Welcome aboard!"}) == "Welcome aboard!"


def test_each_choice_of_a_select_in_a_message_can_be_pressed() -> None:
    painter = Painter()
    text = painter.message(
        {
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": "stats_period",
                            "placeholder": {"type": "plain_text", "text": "Period"},
                            "options": [_option("7 days", "7"), _option("30 days", "30")],
                            "initial_option": _option("30 days", "30"),
                        }
                    ],
                }
            ]
        }
    )
    assert text == "Period: [1 7 days] [2 30 days] (chosen)"
    assert painter.controls[0] == Control("7 days", "stats_period", "7", option=True)


def test_a_confirmation_and_a_link_stay_with_their_button() -> None:
    painter = Painter()
    painter.message(
        {
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        _button(
                            "Leave",
                            "leave_programme",
                            "{}",
                            confirm={
                                "title": {"type": "plain_text", "text": "Leave?"},
                                "text": {"type": "mrkdwn", "text": "Your sessions are cancelled."},
                            },
                        ),
                        _button("Join", "join", "", url="https://meet.example.com/maya"),
                    ],
                }
            ]
        }
    )
    leave, join = painter.controls
    assert leave.confirm == "Your sessions are cancelled."
    assert join.url == "https://meet.example.com/maya"


def test_a_modal_shows_its_title_fields_choices_and_buttons() -> None:
    view = {
        "type": "modal",
        "callback_id": "book_modal",
        "title": {"type": "plain_text", "text": "Book a session"},
        "submit": {"type": "plain_text", "text": "Book"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "slot",
                "label": {"type": "plain_text", "text": "When"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "placeholder": {"type": "plain_text", "text": "Pick a time"},
                    "option_groups": [
                        {
                            "label": {"type": "plain_text", "text": DAY_LABEL},
                            "options": [_option("10:00", "1"), _option("10:30", "2")],
                        }
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "topic",
                "optional": True,
                "label": {"type": "plain_text", "text": "Topic"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": "Go",
                },
                "hint": {"type": "plain_text", "text": "Maya sees this."},
            },
        ],
    }
    painter = Painter()
    assert painter.view(view).splitlines() == [
        "[modal] Book a session",
        "When: ▹ (Pick a time)",
        f"    choices: {DAY_LABEL}: 10:00, {DAY_LABEL}: 10:30",
        "Topic (optional): ▸ Go",
        "    Maya sees this.",
        "[submit: Book] [close: Cancel]",
    ]
    assert painter.controls == [], "a modal's fields are filled in, not pressed"


def test_the_app_home_is_labelled_as_such() -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Hi"}}],
    }
    assert Painter().view(home) == "[App Home]\n# Hi"


def test_a_csv_with_a_byte_order_mark_is_previewed_without_it() -> None:
    content = "\ufeffmentor,sessions\r\nJosé,2\r\n"
    assert Painter().file("m.csv", content).splitlines() == [
        "📎 m.csv (1 row)",
        "    mentor,sessions",
        "    José,2",
    ]


def test_a_long_file_shows_its_first_lines_and_how_many_more_there_are() -> None:
    content = "".join(f"line {n}\n" for n in range(1, 8))
    assert Painter().file("notes.txt", content).splitlines() == [
        "📎 notes.txt (7 lines)",
        "    line 1",
        "    line 2",
        "    line 3",
        "    line 4",
        "    … (3 more lines)",
    ]
