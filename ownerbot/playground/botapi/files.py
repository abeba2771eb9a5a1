"""Files the emulator keeps (uploaded by the bot or sent by users) and the Bot API objects for them."""

from __future__ import annotations

import mimetypes
import secrets
from dataclasses import dataclass

from ownerbot.playground.botapi.errors import bad
from ownerbot.playground.botapi.images import image_info
from ownerbot.playground.botapi.json_types import JsonDict
from ownerbot.playground.botapi.params import Upload

# File kinds: (folder in file_path, file_id prefix, default extension)
_FILE_KINDS = {
    "photo": ("photos", "AgACAgIAAxkBAA", "jpg"),
    "document": ("documents", "BQACAgIAAxkBAA", "bin"),
    "voice": ("voice", "AwACAgIAAxkBAA", "oga"),
    "sticker": ("stickers", "CAACAgIAAxkBAA", "webp"),
    "audio": ("music", "CQACAgIAAxkBAA", "mp3"),
}

# A tiny but well-formed lossless WEBP (1x1) used as sticker content.
STICKER_WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f00000010071011118888fe0700")


@dataclass
class StoredFile:
    """A file held by the emulator (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def as_file(self) -> JsonDict:
        """The Bot API ``File`` object (what getFile returns)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


def _file_ids(stored: StoredFile) -> JsonDict:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}


def photo_sizes(stored: StoredFile) -> list[JsonDict]:
    """A Message's ``photo``: one PhotoSize with the image's real dimensions."""
    info = image_info(stored.data)
    width, height = (info[1], info[2]) if info else (0, 0)
    return [{**_file_ids(stored), "file_size": stored.size, "width": width, "height": height}]


def voice_object(stored: StoredFile, duration: int, mime_type: str) -> JsonDict:
    """A Voice object."""
    return {
        **_file_ids(stored),
        "duration": max(0, duration),
        "mime_type": mime_type,
        "file_size": stored.size,
    }


def document_object(stored: StoredFile) -> JsonDict:
    """A Document object."""
    document = _file_ids(stored)
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    document["file_size"] = stored.size
    return document


def sticker_object(stored: StoredFile, emoji: str) -> JsonDict:
    """A regular (static WEBP) Sticker object."""
    return {
        **_file_ids(stored),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "OwnerBotPlayground",
        "file_size": stored.size,
    }


class FileStore:
    """The emulator's file storage: by file_id (``files``) and by download path."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = 0

    def store_file(
        self, data: bytes, *, kind: str, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        """Keep ``data`` as a Telegram file (kind: photo, document, voice, sticker, audio)."""
        folder, prefix, extension = _FILE_KINDS.get(kind, _FILE_KINDS["document"])
        if kind == "photo":
            info = image_info(data)
            extension = info[0] if info else extension
        elif file_name and "." in file_name:
            extension = file_name.rsplit(".", 1)[1].lower() or extension
        self._file_counter += 1
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(42),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=f"{folder}/file_{self._file_counter}.{extension}",
            data=bytes(data),
            kind=kind,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _resolve_file(self, params: JsonDict, uploads: dict[str, Upload], kind: str) -> StoredFile:
        """The file a send call passes as ``kind``: a new upload (stored now) or a known file_id."""
        value = params.get(kind)
        upload = uploads.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad(f"there is no {kind} in the request")
        if upload is not None:
            if not upload.data:
                raise bad("file must be non-empty")
            mime_type = upload.content_type
            if not mime_type or mime_type == "application/octet-stream":
                guessed = mimetypes.guess_type(upload.filename or "")[0]
                mime_type = guessed or mime_type
            if kind == "photo":
                info = image_info(upload.data)
                if info is None:
                    raise bad("IMAGE_PROCESS_FAILED")
                mime_type = "image/jpeg" if info[0] == "jpg" else f"image/{info[0]}"
            elif kind == "voice":
                mime_type = mime_type if mime_type and mime_type.startswith("audio/") else "audio/ogg"
            return self.store_file(upload.data, kind=kind, file_name=upload.filename, mime_type=mime_type)
        if not value:
            raise bad(f"there is no {kind} in the request")
        stored = self.files.get(value) if isinstance(value, str) else None
        if stored is None:
            raise bad("wrong file identifier/HTTP URL specified")
        return stored
