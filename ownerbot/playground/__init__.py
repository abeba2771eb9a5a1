"""Local Telegram playground: a Bot API emulator and a chat page for trying OwnerBot without Telegram."""
