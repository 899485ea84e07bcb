"""Where Kustomer's API lives: the host for what an admin pastes, and every path the system
calls, each written once."""

from __future__ import annotations

from urllib.parse import urlsplit

# Search, despite its path, searches every object type
# (developer.kustomer.com/docs/concepts/search).
SEARCH = "/v1/customers/search"
CUSTOMER = "/v1/customers/{id}"
NOTES = "/v1/notes"
CONVERSATION = "/v1/conversations/{id}"
CONVERSATION_NOTES = "/v1/conversations/{id}/notes"
# Appends tags by name or id, creating a tag no one has yet; removes none
# (developer.kustomer.com/api/core-resources/append-tags-to-conversation).
CONVERSATION_TAGS = "/v1/conversations/{id}/tags"
USERS = "/v1/users"
TEAMS = "/v1/teams"
# The calling key's name and roles, as MeltanoLabs/tap-kustomer reads them
# (streams/access_management/auth_tokens_current_streams.py, schemas/auth_tokens.json); needs no
# role (developer.kustomer.com access-management reference).
API_KEY_IDENTITY = "/v1/auth/tokens/current"
# GET and PUT /v1/metadata/{resource}, both carrying `properties` keyed by attribute name
# (developer.kustomer.com/kustomer-api-docs/reference/updatecustomattributemetadata and "Get
# custom attribute metadata"; answer shape from api-docs.integration.app, Kustomer operations).
CONVERSATION_METADATA = "/v1/metadata/conversation"


def conversation_web_url(org_url: str, customer_id: str, conversation_id: str) -> str:
    """Where an agent opens the conversation in Kustomer's web app (the org URL an admin
    pastes, e.g. acme.kustomerapp.com); the path is the app's customer timeline, to confirm
    against a real org."""
    host = urlsplit(org_url if "//" in org_url else f"https://{org_url}").netloc
    return f"https://{host}/app/customers/{customer_id}/event/{conversation_id}"


def kustomer_api_base(org_url: str) -> str:
    """The API root for what an admin pastes: `acme.kustomerapp.com` is the web app, the API
    lives on `acme.api.kustomerapp.com` (developer.kustomer.com/docs/concepts/search). Any other
    URL (a regional API root, a simulator) is taken as it is."""
    text = org_url.strip().rstrip("/")
    url = text if "://" in text else f"https://{text}"
    host = urlsplit(url).hostname or ""
    if host.endswith(".kustomerapp.com") and not host.startswith("api.") and ".api." not in host:
        return f"https://{host.split('.', 1)[0]}.api.kustomerapp.com"
    return url
