"""``exgen serve``: students hand in their own variant's answers online; teachers use a token.

Layout: :mod:`~exgen.service.app` builds the FastAPI application (:func:`create_app`) from a
:class:`~exgen.service.config.ServiceConfig`; :mod:`~exgen.service.protection` holds the
middleware every request passes (size limits, the per-address rate limit, security headers,
redacted access log); :mod:`~exgen.service.student` the student's page and JSON API,
:mod:`~exgen.service.teacher` the teacher's API, :mod:`~exgen.service.dashboard` the teacher's
pages, :mod:`~exgen.service.views` what a student's page shows. Every route only wires the
library (``exgen.grading.store.submit_answers``, ``exgen.storage.results.class_results`` ...).

Importing this package imports nothing heavy: FastAPI is loaded by ``app`` only.
"""
