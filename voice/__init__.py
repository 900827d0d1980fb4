"""Audio in and out: format conversion, speech recognition and speech synthesis.

A leaf package: it imports only ``hotline`` (settings). Whoever turns a transcript into a
conversation turn or a ticket (``channels``) calls in here, never the other way round.
"""
