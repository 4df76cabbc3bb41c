"""Imports: items from CSV or XLSX into a release, and a ]project-open[ export."""
