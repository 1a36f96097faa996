"""The Program section's data: the spec as the student gave it, without the starter's comments."""

from __future__ import annotations

import yaml


def spec_without_comments(spec_text: str | None, spec: dict) -> str:
    """The spec as given, re-dumped so that comments (the starter's "# fill in") are gone.

    YAML comments are not data, so parsing and dumping keeps every key and value
    the user wrote and drops only the comments; a text that does not parse (an
    old run record) falls back to the full spec saved in run.json.
    """
    given = None
    if spec_text:
        try:
            given = yaml.safe_load(spec_text)
        except yaml.YAMLError:
            given = None
    if not isinstance(given, dict):
        given = spec
    return yaml.safe_dump(given, sort_keys=False, allow_unicode=True, width=100).rstrip()


def program_facts(record: dict) -> dict:
    return {
        "spec_yaml": spec_without_comments(record.get("spec_text"), record.get("spec") or {}),
        "overrides": record.get("spec_overrides") or {},
    }
