"""The typed core of a project's configuration: label schema, layer types, routing rule, trace
config and the agreement statistics' names. Pure (no Django): the stored JSON is parsed and
checked here once, and every consumer — payloads, routing, agreement, dashboard, importers,
release tables — asks these types instead of reading the dicts.

Kept free of re-exports so that ``annotation.agreement`` may import ``metrics`` while the layer
types import ``annotation.agreement``.
"""
