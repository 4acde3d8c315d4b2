"""Ingest: files in and out — reading CSV/XLSX, validating and importing the contract tables all or
nothing, exporting and templates, the field checklist documents."""
