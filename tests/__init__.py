"""The test suite. A regular package, so that `tests.*` imports find this folder even when an
installed distribution ships a top-level `tests` package of its own (ppdiffusers, pulled in by
the `[paddle]` extra, does)."""
