"""Command-line sub-apps that `ownerbot.cli` mounts (e.g. `ownerbot demo ...`)."""
