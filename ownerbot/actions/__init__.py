"""The ACTION pipeline: the only path by which OwnerBot changes anything (ACTIONS.md).

verify → preview → (no-op short-circuit) → confirm token → (force step) → confirm → atomic claim →
commit → finalize → audit → report. No aiogram here: the bot, the CLI and later the templates and the
planner call the same `ActionPipeline`. Import submodules directly (`ownerbot.actions.pipeline`);
this package module stays empty so `tools/registry.py` can reference the hook types without cycles.
"""
