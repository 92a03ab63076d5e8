"""The names LTI 1.3 and its services (Deep Linking 2.0, AGS 2.0, NRPS 2.0) give to claims,
scopes, roles and media types — written once."""

from __future__ import annotations

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
#: What the tool asks a platform for (the configuration page lists them).
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS)

LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIP_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

#: The tag exgen gives the line items it makes (so it finds them again rather than make two).
LINE_ITEM_TAG = "exgen"

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_ADMINISTRATORS = ("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
                   "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
                   _MEMBERSHIP + "#Administrator")


def _context_role(role: str) -> str:
    """``Instructor`` for the context role ``...membership#Instructor`` or the short ``Instructor``;
    a sub-role (``...membership/Instructor#TeachingAssistant``) comes out as ``Instructor#TeachingAssistant``."""
    if role.startswith(_MEMBERSHIP + "#"):
        return role[len(_MEMBERSHIP) + 1:]
    if role.startswith(_MEMBERSHIP + "/"):
        return role[len(_MEMBERSHIP) + 1:]
    return role if "/" not in role and ":" not in role else ""


def is_instructor(roles) -> bool:
    """An instructor of this course, or an administrator: opens the teacher's side. Only the
    role in the course counts (Canvas also sends a teacher's institution roles in courses they
    take as a student); a teaching assistant is not an instructor here."""
    roles = [r for r in roles or [] if isinstance(r, str)]
    return any(_context_role(r) == "Instructor" or r in _ADMINISTRATORS for r in roles)


def is_learner(roles) -> bool:
    roles = [r for r in roles or [] if isinstance(r, str)]
    return any(_context_role(r).split("#", 1)[0] == "Learner" for r in roles)
