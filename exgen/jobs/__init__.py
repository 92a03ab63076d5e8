"""Long jobs (design §11): rendering a class or some students, exports, reports, regrades.

- ``kinds``: the registry of job kinds; each calls the library function its command calls.
- ``runner``: a job's life in the database (parts, attempts, progress, the result built once).
- ``files``: the file store the results go to (a directory; finished files only).
- ``dispatch``: where parts run — a local process pool in the service (no broker), or
  ``exgen worker`` processes fed through Dramatiq over Redis (``EXGEN_BROKER_URL``).
"""
