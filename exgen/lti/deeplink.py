"""Deep Linking 2.0: a teacher adding exgen to a course picks an assignment, and the tool
answers the platform with a signed ``LtiDeepLinkingResponse`` holding one resource link — the
launch URL, the custom parameter ``assignment=NAME`` (which every launch of the link then
carries) and a line item for the gradebook (full marks, label, resource id = the name)."""

from __future__ import annotations

import secrets
import time

from sqlalchemy.orm import Session

from exgen.lti import LtiError, claims, tickets
from exgen.lti.launch import Launch
from exgen.storage.models import Assignment, LtiPlatform

PICKER = "lti-deep-link"
#: How long the teacher may take to pick.
PICKER_SECONDS = 1800
RESPONSE_SECONDS = 300
MAX_DATA = 4096


def picker_ticket(session: Session, launch: Launch) -> str:
    """What the picker's form carries back: the platform, deployment, return URL and opaque
    data of the deep-linking request, signed (the picker needs no cookie)."""
    settings = launch.deep_linking
    return_url = settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
        raise LtiError(f"id_token: {claims.DEEP_LINKING_SETTINGS}: no deep_link_return_url", 400)
    accept = settings.get("accept_types")
    if isinstance(accept, list) and "ltiResourceLink" not in accept:
        raise LtiError("the platform asks for content exgen does not make here (it makes ltiResourceLink items)", 400)
    data = settings.get("data")
    if data is not None and (not isinstance(data, str) or len(data) > MAX_DATA):
        raise LtiError(f"id_token: {claims.DEEP_LINKING_SETTINGS}: data longer than {MAX_DATA} characters", 400)
    return tickets.make(session, PICKER, {"p": launch.platform.id, "d": launch.deployment_id, "u": return_url,
                                          "x": data, "l": settings.get("accept_lineitem", True) is not False},
                        PICKER_SECONDS)


def read_ticket(session: Session, ticket: str) -> dict:
    content = tickets.read(session, PICKER, ticket, "ticket", "deep-linking form")
    platform = session.get(LtiPlatform, content.get("p")) if isinstance(content.get("p"), int) else None
    if platform is None:
        raise LtiError("ticket: the platform of this deep link is no longer registered", 400)
    content["platform"] = platform
    return content


def response(session: Session, ticket: dict, assignment: Assignment, launch_url: str) -> str:
    """The signed deep-linking response (a JWT) for the assignment picked."""
    from joserfc import jwt

    from exgen.lti.keys import ALGORITHM, signing_key
    from exgen.storage.results import max_score

    platform: LtiPlatform = ticket["platform"]
    item = {"type": "ltiResourceLink", "title": assignment.title[:255], "url": launch_url,
            "custom": {"assignment": assignment.name}}
    if ticket.get("l", True):
        item["lineItem"] = {"scoreMaximum": max_score(assignment.definition), "label": assignment.title[:255],
                            "resourceId": assignment.name, "tag": claims.LINE_ITEM_TAG}
    now = int(time.time())
    message = {"iss": platform.client_id, "aud": [platform.issuer], "azp": platform.client_id,
               "iat": now, "exp": now + RESPONSE_SECONDS, "nonce": secrets.token_urlsafe(18),
               claims.DEPLOYMENT_ID: ticket["d"], claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
               claims.VERSION: "1.3.0", claims.CONTENT_ITEMS: [item]}
    if ticket.get("x") is not None:
        message[claims.DL_DATA] = ticket["x"]
    kid, key = signing_key(session)
    return jwt.encode({"alg": ALGORITHM, "kid": kid}, message, key, algorithms=[ALGORITHM])
