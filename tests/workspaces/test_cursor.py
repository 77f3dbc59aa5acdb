"""A member's cursor JSON in plain words."""

from __future__ import annotations

import pytest

from portal.workspaces.cursor import describe_cursor


@pytest.mark.parametrize(
    ("cursor", "words"),
    [
        (None, "Not opened yet"),
        (
            {"view": "pathway", "id": "R-HSA-1640170", "zoom": 3},
            "Viewing pathway R-HSA-1640170 (zoom 3)",
        ),
        ({"view": "gene", "id": "BRCA1"}, "Viewing gene BRCA1"),
        ({"view": "paper", "id": 31452104, "page": 4}, "Viewing paper 31452104 (page 4)"),
        (
            {"view": "gene_set", "id": "GO:0006915", "zoom": 1.5},
            "Viewing gene set GO:0006915 (zoom 1.5)",
        ),
        ({"view": "overview"}, "Viewing overview"),
        ({"view": "pathway", "id": "R-1", "extra": [1, 2]}, "Viewing pathway R-1"),
        ({}, "Somewhere in the workspace"),
        ([], "Somewhere in the workspace"),
        ("pathway", "Somewhere in the workspace"),
        (42, "Somewhere in the workspace"),
        ({"view": 3}, "Somewhere in the workspace"),
        ({"view": "Pathway!"}, "Somewhere in the workspace"),
        ({"view": "p" * 41}, "Somewhere in the workspace"),
        ({"view": "pathway", "id": "<script>"}, "Somewhere in the workspace"),
        ({"view": "pathway", "id": True}, "Somewhere in the workspace"),
        ({"view": "pathway", "id": {"a": 1}}, "Somewhere in the workspace"),
        ({"view": "pathway", "id": "x" * 121}, "Somewhere in the workspace"),
        ({"view": "pathway", "zoom": "3"}, "Somewhere in the workspace"),
        ({"view": "pathway", "zoom": True}, "Somewhere in the workspace"),
        ({"view": "pathway", "zoom": float("nan")}, "Somewhere in the workspace"),
        ({"view": "pathway", "zoom": 1e12}, "Somewhere in the workspace"),
    ],
)
def test_describe_cursor(cursor, words):
    assert describe_cursor(cursor) == words
