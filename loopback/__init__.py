"""OpenAI-compatible servers on 127.0.0.1 with scripted behaviour, for tests and benchmarks.

``base`` holds what they share (the chat-completion envelope, the routes, launching a server as a
process and reading its port); each other module is one server's behaviour: ``scripted`` (the
generation roles, with faults on demand), ``bfcl`` and ``tau2`` (oracle and faulty agents for the
benchmarks), ``toolprep`` (tool preparation replies, in a thread of the test process).
"""
