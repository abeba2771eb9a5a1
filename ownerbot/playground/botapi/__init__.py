"""The parts of the Telegram Bot API emulator; ``ownerbot.playground.emulator`` assembles them."""
