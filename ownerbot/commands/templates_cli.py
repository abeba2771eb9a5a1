"""`ownerbot templates`: check the template catalog, or list it.

    ownerbot templates check                      # exit 0 when the catalog is valid, 2 with every problem
    ownerbot templates list --category prices --locale en

Both read the packaged `ownerbot/templates/defs` and `locales/en.yaml` against every shipped tool;
`--defs` / `--en` point them at a catalog being written elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ownerbot.i18n import SUPPORTED_LOCALES
from ownerbot.templates.loader import TemplateCatalog, TemplateCatalogError, load_catalog
from ownerbot.templates.spec import Category

EXIT_INVALID = 2

templates_app = typer.Typer(help="Template catalog: `check` it, or `list` it.", no_args_is_help=True)

DefsOption = Annotated[
    Path | None, typer.Option("--defs", help="Directory of template *.yaml (default: the packaged catalog).")
]
EnOption = Annotated[
    Path | None, typer.Option("--en", help="English texts file (default: the packaged one).")
]


def _load(defs: Path | None, en: Path | None) -> TemplateCatalog:
    try:
        return load_catalog(defs_dir=defs, en_texts=en)
    except TemplateCatalogError as exc:
        _invalid(exc)


def _invalid(exc: TemplateCatalogError) -> NoReturn:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=EXIT_INVALID)


@templates_app.command("check")
def check(defs: DefsOption = None, en: EnOption = None) -> None:
    """Validate every template (tools, kinds, parsers, payload keys, English texts); exit 2 on problems."""
    catalog = _load(defs, en)
    specs = catalog.all()
    categories = {spec.category for spec in specs}
    typer.echo(f"ok: {len(specs)} templates in {len(categories)} categories")


@templates_app.command("list")
def list_templates(
    category: Annotated[
        Category | None,
        typer.Option("--category", "-c", help="Only this menu section.", case_sensitive=False),
    ] = None,
    locale: Annotated[str, typer.Option("--locale", help="ru (default) or en texts.")] = "ru",
    defs: DefsOption = None,
    en: EnOption = None,
) -> None:
    """List templates in menu order: id, category, kind, tool and button text."""
    if locale not in SUPPORTED_LOCALES:
        typer.echo(f"--locale must be one of {', '.join(SUPPORTED_LOCALES)}, not {locale!r}.", err=True)
        raise typer.Exit(code=EXIT_INVALID)
    catalog = _load(defs, en)
    specs = catalog.in_category(category) if category is not None else catalog.all()
    width = max((len(spec.id) for spec in specs), default=2)
    tool_width = max((len(spec.tool) for spec in specs), default=4)
    typer.echo(f"{'ID':<{width}}  {'CATEGORY':<13}  {'KIND':<6}  {'TOOL':<{tool_width}}  BUTTON")
    for spec in specs:
        columns = f"{spec.id:<{width}}  {spec.category.value:<13}  {spec.kind.value:<6}"
        typer.echo(f"{columns}  {spec.tool:<{tool_width}}  {catalog.button(spec, locale)}")
