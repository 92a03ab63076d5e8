"""LTI 1.3 (design §11): exgen as a tool that Canvas, Moodle and other learning platforms launch.

The protocol lives here, free of any web framework; ``exgen.service.lti`` wires it to HTTP and
``exgen.cli.lti`` to the command line.

- ``platforms``: the platforms registered with ``exgen lti register`` and their deployments;
- ``keys``: the tool's RSA key pairs (private halves encrypted under the database's key),
  rotation and the published key set;
- ``launch``: OIDC login initiation and the launch itself — the platform's id_token verified
  against its key set (signature, issuer, audience, expiry, nonce, deployment) — and what the
  launch asks for (an assignment, a student, an instructor, a deep link);
- ``deeplink``: the signed answer to a deep-linking request (a teacher picked an assignment);
- ``platform_api``: the platform's services (access tokens, line items, scores, class lists)
  over HTTP, with timeouts and size limits;
- ``outcomes``: courses, line items and students linked to the platform, the kept score's
  passback (an outbox: nothing is lost when the platform is down) and the class list's sync.

JOSE (JWS/JWK/JWT) is joserfc's; nothing here signs or verifies by hand.
"""

from __future__ import annotations


class LtiError(ValueError):
    """A request the tool refuses, with a message that names what is wrong (``field: reason``)
    and the HTTP status to answer with (always a 4xx)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status
