"""JSON:API renderings of the stored records.

Attribute and relationship names follow the payloads captured in MeltanoLabs/tap-kustomer
(tap_kustomer/streams/core_resources/schemas/conversations.json, customers.json,
tap_kustomer/schemas/notes.json, access_management/schemas/users_current.json).
"""

from __future__ import annotations

from typing import Any

from local.kustomer_sim.store import (
    CUSTOM_ATTRIBUTE_NAME,
    METADATA_TYPE_BY_SUFFIX,
    ConversationRecord,
    CustomerRecord,
    NoteRecord,
    Store,
    TeamRecord,
    UserRecord,
)
from local.kustomer_sim.timestamps import format_timestamp

JsonObject = dict[str, Any]


def _to_one(kind: str, object_id: str | None, self_link: str | None = None) -> JsonObject:
    relationship: JsonObject = {
        "data": None if object_id is None else {"type": kind, "id": object_id}
    }
    if self_link is not None and object_id is not None:
        relationship["links"] = {"self": self_link}
    return relationship


def _user_relationship(user_id: str) -> JsonObject:
    return _to_one("user", user_id, f"/v1/users/{user_id}")


def conversation_resource(
    conversation: ConversationRecord, org_id: str, api_user_id: str
) -> JsonObject:
    attributes: JsonObject = {
        "name": conversation.subject,
        "preview": conversation.subject,
        "channels": list(conversation.channels),
        "status": conversation.status,
        "direction": "in",
        "messageCount": conversation.message_count,
        "outboundMessageCount": max(conversation.message_count - 1, 0),
        "noteCount": conversation.note_count,
        "createdAt": format_timestamp(conversation.created_at),
        "updatedAt": format_timestamp(conversation.updated_at),
        "modifiedAt": format_timestamp(conversation.modified_at),
        "lastActivityAt": format_timestamp(conversation.last_activity_at),
        "tags": list(conversation.tags),
        "suggestedTags": [],
        "assignedUsers": list(conversation.assigned_user_ids),
        "assignedTeams": list(conversation.assigned_team_ids),
        "custom": dict(conversation.custom),
        "spam": False,
        "rev": conversation.rev,
    }
    if conversation.done_at is not None:
        done_by = conversation.assigned_user_ids[0] if conversation.assigned_user_ids else None
        attributes["lastDone"] = {
            "createdAt": format_timestamp(conversation.done_at),
            "byType": "user" if done_by else "system",
            "byUser": done_by,
        }
    relationships: JsonObject = {
        "org": _to_one("org", org_id, f"/v1/orgs/{org_id}"),
        "customer": _to_one(
            "customer", conversation.customer_id, f"/v1/customers/{conversation.customer_id}"
        ),
        "messages": {"links": {"self": f"/v1/conversations/{conversation.id}/messages"}},
        "createdBy": _user_relationship(api_user_id),
        "modifiedBy": _user_relationship(api_user_id),
        "assignedUsers": {
            "data": [{"type": "user", "id": user_id} for user_id in conversation.assigned_user_ids]
        },
        "assignedTeams": {
            "data": [{"type": "team", "id": team_id} for team_id in conversation.assigned_team_ids]
        },
        "brand": _to_one("brand", conversation.brand_id),
        "queue": _to_one("queue", conversation.queue_id),
    }
    return {
        "type": "conversation",
        "id": conversation.id,
        "attributes": attributes,
        "relationships": relationships,
        "links": {"self": f"/v1/conversations/{conversation.id}"},
    }


def customer_resource(customer: CustomerRecord, store: Store, org_id: str) -> JsonObject:
    statuses = [
        conversation.status
        for conversation in store.conversations.values()
        if conversation.customer_id == customer.id
    ]
    return {
        "type": "customer",
        "id": customer.id,
        "attributes": {
            "name": customer.name,
            "displayName": customer.name,
            "externalIds": [],
            "emails": [
                {"type": "home", "email": email, "verified": False} for email in customer.emails
            ],
            "sharedEmails": [],
            "phones": [],
            "socials": [],
            "urls": [],
            "locations": [],
            "locale": customer.locale,
            "timeZone": customer.time_zone,
            "createdAt": format_timestamp(customer.created_at),
            "updatedAt": format_timestamp(customer.updated_at),
            "modifiedAt": format_timestamp(customer.updated_at),
            "conversationCounts": {
                "all": len(statuses),
                "open": statuses.count("open"),
                "snoozed": statuses.count("snoozed"),
                "done": statuses.count("done"),
            },
            "tags": [],
            "verified": False,
        },
        "relationships": {
            "org": _to_one("org", org_id, f"/v1/orgs/{org_id}"),
            "messages": {"links": {"self": f"/v1/customers/{customer.id}/messages"}},
        },
        "links": {"self": f"/v1/customers/{customer.id}"},
    }


def user_resource(user: UserRecord, org_id: str, roles: list[str] | None = None) -> JsonObject:
    attributes: JsonObject = {
        "name": user.name,
        "displayName": user.name,
        "email": user.email,
        "userType": user.user_type,
        "avatarUrl": None,
        "createdAt": format_timestamp(user.created_at),
        "updatedAt": format_timestamp(user.created_at),
    }
    if roles is not None:
        attributes["roles"] = list(roles)
    return {
        "type": "user",
        "id": user.id,
        "attributes": attributes,
        "relationships": {"org": _to_one("org", org_id, f"/v1/orgs/{org_id}")},
        "links": {"self": f"/v1/users/{user.id}"},
    }


def team_resource(team: TeamRecord, org_id: str) -> JsonObject:
    created = format_timestamp(team.created_at)
    return {
        "type": "team",
        "id": team.id,
        "attributes": {
            "name": team.name,
            "displayName": team.name,
            "createdAt": created,
            "updatedAt": created,
        },
        "relationships": {"org": _to_one("org", org_id, f"/v1/orgs/{org_id}")},
        "links": {"self": f"/v1/teams/{team.id}"},
    }


def note_resource(note: NoteRecord, org_id: str) -> JsonObject:
    created = format_timestamp(note.created_at)
    return {
        "type": "note",
        "id": note.id,
        "attributes": {
            "body": note.body,
            "createdAt": created,
            "updatedAt": created,
            "modifiedAt": created,
            "createdByTeams": [],
        },
        "relationships": {
            "org": _to_one("org", org_id, f"/v1/orgs/{org_id}"),
            "customer": _to_one("customer", note.customer_id, f"/v1/customers/{note.customer_id}"),
            "conversation": _to_one(
                "conversation", note.conversation_id, f"/v1/conversations/{note.conversation_id}"
            ),
            "createdBy": _user_relationship(note.created_by_user_id),
            "modifiedBy": _user_relationship(note.created_by_user_id),
        },
        "links": {"self": f"/v1/notes/{note.id}"},
    }


def api_key_resource(
    name: str, api_key: str, roles: list[str], user: UserRecord, org_id: str
) -> JsonObject:
    """The calling key, as GET /v1/auth/tokens/current returns it (shape from MeltanoLabs/
    tap-kustomer access_management/schemas/auth_tokens.json)."""
    created = format_timestamp(user.created_at)
    return {
        "type": "token",
        "id": user.id,
        "attributes": {
            "name": name,
            "lastTokenChars": api_key[-4:],
            "roles": list(roles),
            "createdAt": created,
            "updatedAt": created,
        },
        "relationships": {
            "org": _to_one("org", org_id, f"/v1/orgs/{org_id}"),
            "user": _user_relationship(user.id),
        },
        "links": {"self": "/v1/auth/tokens/current"},
    }


def conversation_metadata_resource(custom_attributes: dict[str, str], org_id: str) -> JsonObject:
    """The Conversation klass's custom attributes, as GET /v1/metadata/conversation returns them
    (data.attributes.properties.<name>.{type, displayName}, per the output schema of "Update
    Custom Attribute Metadata" on api-docs.integration.app)."""
    properties = {}
    for name, display_name in sorted(custom_attributes.items()):
        match = CUSTOM_ATTRIBUTE_NAME.match(name)
        assert match is not None, "names are checked when defined"
        properties[name] = {
            "type": METADATA_TYPE_BY_SUFFIX[match.group(1)],
            "displayName": display_name,
        }
    return {
        "type": "metadata",
        "id": f"{org_id}-conversation",
        "attributes": {"name": "conversation", "properties": properties},
        "relationships": {"org": _to_one("org", org_id, f"/v1/orgs/{org_id}")},
        "links": {"self": "/v1/metadata/conversation"},
    }
