"""Definitions: what the data means, with no storage and no computation — the interchange contract
(tables, columns, enumerations), the metric catalog, region codes and levels, tiers, policy constants,
the Access type, interface messages and the masking of personal data. Every other layer may import
these; they import nothing of the app's."""
