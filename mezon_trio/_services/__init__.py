"""Service objects for the optional features: file uploads, polls, voice media, AI-agent events.

Each service is built from explicit dependencies (an :class:`~.base.RpcCaller` such as
``MezonClient.rpc``, an ``httpx.AsyncClient``, settings), so it can be wired into a client
or used on its own.
"""
