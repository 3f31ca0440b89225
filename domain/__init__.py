"""The rules and use cases of the mentorship programme.

Knows nothing of Slack, SQL or where the time comes from: repositories, the clock
and the notifier are passed in through the ports declared in `domain.ports`.
"""
