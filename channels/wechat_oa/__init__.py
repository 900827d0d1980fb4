"""The WeChat official account channel (公众号): webhook in, customer-service/template out.

Thin by design: verify (``verify``), parse (``parser``), hand to ``intake.receive``
(``inbound``), render (``render``); slow work runs in the worker (``tasks``/``background``);
outbound calls go through ``client``/``outbound`` with classified errors.
"""
