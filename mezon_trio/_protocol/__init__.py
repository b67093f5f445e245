"""Sans-I/O protocol logic: bytes <-> Envelopes, raw 0xFF frames, cid correlation.

Nothing here imports trio, sockets or HTTP libraries, so every piece can be
tested with plain function calls; both the client and the sandbox server use it.
"""
