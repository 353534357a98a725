"""Helpers below every app: the reporting calendar, text normalisation and collation,
spreadsheet cells. Nothing here imports a project app."""
