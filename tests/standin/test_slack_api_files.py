"""The stand-in Slack's files.delete answers as Slack's documentation says:
ok once, `file_deleted` after, `file_not_found` for a file never uploaded; an
image block naming a deleted file is refused like any unknown file."""

from __future__ import annotations

from bot.standin.slack_api import FakeSlack


def test_a_file_is_deleted_once_and_its_picture_shows_nowhere_after() -> None:
    slack = FakeSlack()
    file_id = slack.answer("files.getUploadURLExternal", {"filename": "c.png", "length": 3})[
        "file_id"
    ]
    slack.file_bytes[file_id] = b"png"
    image = {"type": "image", "slack_file": {"id": file_id}, "alt_text": "a chart"}
    home = {"user_id": "U1", "view": {"type": "home", "blocks": [image]}}
    assert slack.answer("views.publish", home)["ok"] is True

    assert slack.answer("files.delete", {"file": file_id}) == {"ok": True}
    assert slack.answer("files.delete", {"file": file_id}) == {
        "ok": False,
        "error": "file_deleted",
    }
    assert slack.answer("files.delete", {"file": "FNEVER"}) == {
        "ok": False,
        "error": "file_not_found",
    }
    assert slack.answer("views.publish", home) == {"ok": False, "error": "invalid_blocks"}
