"""How one ``exgen serve`` runs: its database, public address and limits.

Worker processes (``--workers N``) build their application from the environment
(:meth:`ServiceConfig.from_environment`), which the ``serve`` command sets before starting them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Submissions per minute per student link (design §9 ``--rate-limit``).
DEFAULT_RATE_LIMIT = 20
#: Requests per minute per client address: a whole class often shares one school address, so
#: this is far above what 60 students loading pages and submitting would ever send.
DEFAULT_ADDRESS_LIMIT = 3000
#: Largest request body a student sends (a form or JSON of answers), bytes.
MAX_STUDENT_BODY = 64 * 1024
#: Largest upload of a teacher (an assignment, a roster, an answer sheet), bytes.
MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    database_url: str
    base_url: str = ""  # public address for links; "" = the address the server listens on
    rate_limit: int = DEFAULT_RATE_LIMIT
    address_limit: int = DEFAULT_ADDRESS_LIMIT
    max_student_body: int = MAX_STUDENT_BODY
    max_upload: int = MAX_UPLOAD
    #: Requests at the database at once, per process (the rest wait their turn in order). A
    #: submission is mostly Python work under the interpreter lock: 4 threads finish the same
    #: 480-500/s as 12 with a shorter tail (bench/serve.py, 50 students back to back: p95
    #: 125-159 ms against 163-197 ms), as fewer requests take turns at the lock.
    threads: int = int(os.environ.get("EXGEN_THREADS", "4"))
    #: Long jobs go to ``exgen worker`` processes through this Redis; "" = a local process pool.
    broker_url: str = ""
    #: The file store of job results ("" = exgen-files next to a SQLite database; see exgen.jobs.files).
    files: str = ""

    ENVIRONMENT = {
        "database_url": "EXGEN_DATABASE_URL",
        "base_url": "EXGEN_BASE_URL",
        "rate_limit": "EXGEN_RATE_LIMIT",
        "address_limit": "EXGEN_ADDRESS_LIMIT",
        "broker_url": "EXGEN_BROKER_URL",
        "files": "EXGEN_FILES",
    }

    def to_environment(self) -> dict[str, str]:
        return {var: str(getattr(self, name)) for name, var in self.ENVIRONMENT.items()}

    @classmethod
    def from_environment(cls) -> "ServiceConfig":
        env = os.environ
        return cls(
            database_url=env.get("EXGEN_DATABASE_URL", "sqlite:///exgen.db"),
            base_url=env.get("EXGEN_BASE_URL", ""),
            rate_limit=int(env.get("EXGEN_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
            address_limit=int(env.get("EXGEN_ADDRESS_LIMIT", DEFAULT_ADDRESS_LIMIT)),
            broker_url=env.get("EXGEN_BROKER_URL", ""),
            files=env.get("EXGEN_FILES", ""),
        )
