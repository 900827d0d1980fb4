"""Composition root of hotline12345: settings, database, Celery app, logging and the CLI."""
