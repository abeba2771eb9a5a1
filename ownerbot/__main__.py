"""`python -m ownerbot` runs the CLI."""

from ownerbot.cli import main

main()
