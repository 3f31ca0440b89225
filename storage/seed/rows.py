"""The rows of a planned set of sessions, as COPY text: the sessions, their
history, feedback, notifications and the mentors' time off."""

from __future__ import annotations

import random
import uuid
from array import array
from collections.abc import Iterator

from storage.seed.common import (
    CANCELLED,
    COMPLETED,
    DAY,
    DECLINED,
    EXPIRED,
    NO_SHOW,
    ONGOING,
    RECENT_NOTICE_DAYS,
    REQUESTED,
    STATUSES,
    percent_table,
)
from storage.seed.plan import SessionPlan
from storage.seed.vocabulary import (
    CANCEL_REASONS,
    DECLINE_REASONS,
    MENTEE_COMMENTS,
    MENTEE_RATING_MIX,
    MENTOR_COMMENTS,
    NOTES,
    RATING_MIXES,
)


class SessionRows:
    """`session_rows` decides when each session changed status on the way (the
    history, feedback and notices follow from that), so it is written first."""

    def __init__(self, plan: SessionPlan) -> None:
        self.org = plan.org
        self.base_id = plan.base_id
        self.time_off, self.extra = plan.time_off, plan.extra
        self.starts, self.ends, self.created = plan.starts, plan.ends, plan.created
        self.status = plan.status
        self.mentor_ids, self.mentee_ids = plan.mentor_ids, plan.mentee_ids
        self.mentor_index = plan.mentor_index

    def exception_rows(self, workspace_id: str) -> Iterator[str]:
        ids, clock = self.org.ids, self.org.clock
        for who, first, last in self.time_off:
            yield (
                f"{workspace_id}\t{ids[who]}\ttime_off\t{clock.day(first)}\t{clock.day(last)}"
                "\t\\N\t\\N\n"
            )
        for who, day, start, end in self.extra:
            yield (
                f"{workspace_id}\t{ids[who]}\textra\t{clock.day(day)}\t{clock.day(day)}\t"
                f"{start // 60:02d}:{start % 60:02d}\t{end // 60:02d}:{end % 60:02d}\n"
            )

    def session_rows(self, workspace_id: str) -> Iterator[str]:
        """The sessions, deciding the times of their transitions on the way
        (kept for the history that follows)."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, random_ = org.clock.ts, rng.random
        mentors = org.mentor_of
        n = len(self.starts)
        # When accepted (or 0), when it reached its final status, and a few flags.
        self.accepted = accepted = array("q", bytes(8 * n))
        self.finished = finished = array("q", bytes(8 * n))
        self.moved_from = moved_from = array("q", bytes(8 * n))
        self.topic = topic_index = array("b", bytes(n))
        self.reason = reason_index = array("b", bytes(n))
        self.cancel_by_mentor = by_mentor = array("b", bytes(n))
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        base = self.base_id
        # Meeting tokens from a stream of their own, drawn from the seed: the
        # same seed gives the same rows.
        tokens = random.Random(rng.random())
        for k in range(n):
            start, end, booked, code = starts[k], ends[k], created[k], status[k]
            mentor = mentors[mentor_index[k]]
            until = min(start, now)
            accept = 0
            if code not in (REQUESTED, DECLINED, EXPIRED) and not (
                code == CANCELLED and random_() < 0.4
            ):
                accept = booked + min(rng.randrange(300, DAY, 60), max(60, (until - booked) // 2))
            accepted[k] = accept
            topic = int(random_() * len(mentor.topics))
            topic_index[k] = topic
            notes, minutes, reason, previous = "", "\\N", "\\N", "\\N"
            if code == COMPLETED:
                done = min(end + rng.randrange(0, 3 * 3600, 60), now)
                minutes = str(max(5, mentor.minutes + rng.randrange(-10, 16)))
                if random_() < 0.25:
                    notes = NOTES[int(random_() * len(NOTES))]
            elif code == NO_SHOW:
                done = min(start + 15 * 60, now)
            elif code in (ONGOING, EXPIRED):
                done = start
            elif code in (DECLINED, CANCELLED):
                lower = accept or booked
                done = lower + int(random_() * max(60, until - lower))
                done = min(done, now)
                if code == DECLINED:
                    r = int(random_() * len(DECLINE_REASONS))
                    reason = DECLINE_REASONS[r] or "\\N"
                else:
                    r = int(random_() * len(CANCEL_REASONS))
                    reason = CANCEL_REASONS[r]
                    by_mentor[k] = 1 if random_() < 0.4 else 0
                reason_index[k] = r
            else:  # requested, scheduled
                done = accept or booked
            finished[k] = done
            sequence = "\\N"  # the calendar invites sent (domain.calendar)
            if accept:
                sequence = str(int(code == CANCELLED))
            if accept and random_() < 0.03:
                # Moved earlier by the mentor, from the same time a few days later.
                moved = start + rng.randrange(1, 4) * DAY
                moved_from[k] = moved
                previous = ts(moved)
                sequence = str(int(sequence) + 1)
            yield (
                f"{base + k + 1}\t{workspace_id}\t{mentor_ids[k]}\t{mentee_ids[k]}\t{ts(start)}\t"
                f"{ts(end)}\t{STATUSES[code]}\t{mentor.topics[topic]}\t{notes}\t{minutes}\t"
                f"{reason}\t{previous}\t{sequence}\t{tokens.getrandbits(128):032x}\t"
                f"{ts(booked)}\t{ts(done)}\n"
            )

    def history_rows(self, workspace_id: str) -> Iterator[str]:
        """Every transition: booked (by the mentee), accepted (mentor), moved,
        started (the scheduler), and how it ended."""
        ts, now = self.org.clock.ts, self.org.now
        w = workspace_id
        base = self.base_id
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        accepted, finished, moved_from = self.accepted, self.finished, self.moved_from
        mentor_ids, mentee_ids = self.mentor_ids, self.mentee_ids
        reason_index, by_mentor = self.reason, self.cancel_by_mentor
        for k in range(len(starts)):
            sid = base + k + 1
            code, mentor, mentee = status[k], mentor_ids[k], mentee_ids[k]
            now_at = f"{ts(starts[k])}\t{ts(ends[k])}"
            moved = moved_from[k]
            first_at = now_at
            if moved:
                first_at = f"{ts(moved)}\t{ts(moved + ends[k] - starts[k])}"
            yield f"{w}\t{sid}\t{mentee}\t\\N\trequested\t{first_at}\t\\N\t{ts(created[k])}\n"
            accept = accepted[k]
            if accept:
                yield (
                    f"{w}\t{sid}\t{mentor}\trequested\tscheduled\t{first_at}\t\\N\t{ts(accept)}\n"
                )
                if moved:
                    at = ts(accept + (min(starts[k], now, finished[k]) - accept) // 3)
                    yield f"{w}\t{sid}\t{mentor}\tscheduled\tscheduled\t{now_at}\t\\N\t{at}\n"
            end_at = ts(finished[k])
            if code in (ONGOING, COMPLETED, NO_SHOW):
                yield f"{w}\t{sid}\t\\N\tscheduled\tongoing\t{now_at}\t\\N\t{ts(starts[k])}\n"
                if code == COMPLETED:
                    yield f"{w}\t{sid}\t{mentor}\tongoing\tcompleted\t{now_at}\t\\N\t{end_at}\n"
                elif code == NO_SHOW:
                    yield f"{w}\t{sid}\t{mentor}\tongoing\tno_show\t{now_at}\t\\N\t{end_at}\n"
            elif code == DECLINED:
                reason = DECLINE_REASONS[reason_index[k]] or "\\N"
                yield f"{w}\t{sid}\t{mentor}\trequested\tdeclined\t{now_at}\t{reason}\t{end_at}\n"
            elif code == EXPIRED:
                yield f"{w}\t{sid}\t\\N\trequested\texpired\t{now_at}\t\\N\t{end_at}\n"
            elif code == CANCELLED:
                actor = mentor if by_mentor[k] else mentee
                before = "scheduled" if accept else "requested"
                reason = CANCEL_REASONS[reason_index[k]]
                yield f"{w}\t{sid}\t{actor}\t{before}\tcancelled\t{now_at}\t{reason}\t{end_at}\n"

    def feedback_rows(self, workspace_id: str) -> Iterator[str]:
        """Mentees rate most completed sessions, mentors some; mostly kind."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, random_ = org.clock.ts, rng.random
        mentors = org.mentor_of
        tables = [percent_table(mix) for mix in RATING_MIXES]
        mentee_table = percent_table(MENTEE_RATING_MIX)
        base = self.base_id
        status, finished = self.status, self.finished
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        w = workspace_id
        for k in range(len(status)):
            if status[k] != COMPLETED:
                continue
            sid = base + k + 1
            done = finished[k]
            if random_() < 0.6:
                stars = tables[mentors[mentor_index[k]].quality][int(random_() * 100)]
                comment = ""
                if random_() < 0.5:
                    comment = MENTOR_COMMENTS[int(random_() * len(MENTOR_COMMENTS))]
                at = min(done + rng.randrange(60, 3 * DAY, 60), now)
                yield (
                    f"{w}\t{sid}\t{mentee_ids[k]}\t{mentor_ids[k]}\tmentor\t{stars}\t{comment}\t"
                    f"{ts(at)}\n"
                )
            if random_() < 0.25:
                stars = mentee_table[int(random_() * 100)]
                comment = ""
                if random_() < 0.4:
                    comment = MENTEE_COMMENTS[int(random_() * len(MENTEE_COMMENTS))]
                at = min(done + rng.randrange(60, 2 * DAY, 60), now)
                yield (
                    f"{w}\t{sid}\t{mentor_ids[k]}\t{mentee_ids[k]}\tmentee\t{stars}\t{comment}\t"
                    f"{ts(at)}\n"
                )

    def notification_rows(self, workspace_id: str) -> Iterator[str]:
        """The notices of recently booked sessions, all delivered; most older
        than two days read."""
        org, rng, now = self.org, self.org.rng, self.org.now
        ts, iso, random_ = org.clock.ts, org.clock.iso, rng.random
        names = org.name
        index_of = {uid: i for i, uid in enumerate(org.ids)}
        mentors = org.mentor_of
        recent = now - RECENT_NOTICE_DAYS * DAY
        base = self.base_id
        starts, ends, created, status = self.starts, self.ends, self.created, self.status
        accepted, finished = self.accepted, self.finished
        mentor_ids, mentee_ids, mentor_index = self.mentor_ids, self.mentee_ids, self.mentor_index
        first = next((k for k in range(len(created)) if created[k] >= recent), len(created))
        for k in range(first, len(created)):
            sid, code = base + k + 1, status[k]
            mentor, mentee = mentor_ids[k], mentee_ids[k]
            topic = mentors[mentor_index[k]].topics[self.topic[k]]
            start_iso = iso(starts[k])
            common = f'"starts_at": "{start_iso}", "ends_at": "{iso(ends[k])}", "topic": "{topic}"'
            # (kind, event, recipient, at, the other person's name when the notice names one)
            notices: list[tuple[str, str, int, int, str | None]] = [
                ("request_received", "requested", mentor, created[k], names[index_of[mentee]]),
            ]
            if accepted[k]:
                notices.append(
                    ("request_accepted", "scheduled", mentee, accepted[k], names[index_of[mentor]])
                )
            if code == DECLINED:
                notices.append(
                    ("request_declined", "declined", mentee, finished[k], names[index_of[mentor]])
                )
            elif code == CANCELLED:
                by_mentor = self.cancel_by_mentor[k]
                other, actor = (mentee, mentor) if by_mentor else (mentor, mentee)
                notices.append(
                    ("session_cancelled", "cancelled", other, finished[k], names[index_of[actor]])
                )
            elif code == EXPIRED:
                notices.append(("request_expired", "expired", mentee, finished[k], None))
            elif code == COMPLETED:
                notices.append(("complete_prompt", "ended", mentor, ends[k], None))
            for kind, event, recipient, at, other_name in notices:
                payload = (
                    common if other_name is None else common + f', "other_name": "{other_name}"'
                )
                read = "\\N"
                if at < now - 2 * DAY and random_() < 0.8:
                    read = ts(min(at + rng.randrange(60, 2 * DAY, 60), now))
                key = f"session:{sid}:{event}:{start_iso}:{recipient}"
                notice_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                yield (
                    f"{notice_id}\t{workspace_id}\t{recipient}\t{kind}\t{sid}\t{{{payload}}}\t"
                    f"{key}\t{ts(at)}\t{read}\t{ts(at)}\t1\t{ts(at)}\n"
                )
