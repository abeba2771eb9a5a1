"""Reports: PNG charts and PDF documents rendered from tool responses, never from queries of their own.

`service.ReportService` runs the read tools a report needs through the `ToolRunner` (one correlation
id), then renders off the event loop. Renderers are plain functions of `ReportInputs`; this package
never imports aiogram, so the bot, the CLI and the benchmark share it unchanged.
"""
