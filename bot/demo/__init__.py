"""`mentorbot demo` and `mentorbot console`: the bot in HTTP mode on an embedded
PostgreSQL, with the stand-in for Slack in place of Slack, and four people."""
