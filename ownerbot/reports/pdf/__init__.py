"""PDF reports (A4) laid out with reportlab platypus: tables that break across pages, a footer on each."""
