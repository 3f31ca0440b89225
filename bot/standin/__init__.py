"""A stand-in for Slack: a Web API server over real HTTP that records every call,
payloads shaped as Slack sends them, and a sender that signs requests exactly as
Slack does. The tests and `mentorbot demo` / `mentorbot console` share it."""
