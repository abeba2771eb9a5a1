"""Bot API objects the emulator builds: the bot's and users' User, Chat and Message skeletons."""

from __future__ import annotations

import copy
import time

from ownerbot.playground.botapi.json_types import JsonDict

BOT_FIRST_NAME = "OwnerBot"
BOT_USERNAME = "ownerbot_local_bot"


def now() -> int:
    """The current Unix time, as in a Message's ``date``."""
    return int(time.time())


def bot_user_object(bot_id: int) -> JsonDict:
    """The bot's full User object, as getMe returns it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def bot_sender(bot_user: JsonDict) -> JsonDict:
    """The bot's User as the ``from`` of its messages (without the getMe-only fields)."""
    return {key: bot_user[key] for key in ("id", "is_bot", "first_name", "username")}


def user_object(user_id: int, first_name: str, language_code: str) -> JsonDict:
    """A human user's User object."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language_code,
    }


def chat_object(chat_id: int, chat_type: str, first_name: str) -> JsonDict:
    """A Chat object: a private chat named after the user, or a group."""
    if chat_type == "private":
        return {"id": chat_id, "first_name": first_name, "type": "private"}
    return {"id": chat_id, "title": "Group chat", "type": chat_type}


def message_object(message_id: int, sender: JsonDict, chat: JsonDict) -> JsonDict:
    """A Message without content, sent now by ``sender`` to ``chat``."""
    return {
        "message_id": message_id,
        "from": copy.deepcopy(sender),
        "chat": copy.deepcopy(chat),
        "date": now(),
    }
