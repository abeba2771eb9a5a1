"""Owner notifications: per-owner settings (kinds and defaults), the digest builder, the services the
`ntf_*` tools and the future scheduler worker share (docs/notifications.md). No aiogram here."""
