"""Specs shared by the GSPS tests."""

from __future__ import annotations


def full_spec() -> dict:
    """Every graphic type and both text placements, in PIXEL and DISPLAY units."""
    return {
        "label": "AI_FINDINGS",
        "description": "Nodule candidates",
        "creator": "AI^Lung",
        "window": {"center": 40, "width": 400, "explanation": "SOFT TISSUE"},
        "layers": [
            {"name": "FINDINGS", "color": [255, 0, 0], "grayscale": 65535, "description": "AI findings"},
            {"name": "NOTES", "order": 2, "color": [0, 255, 0]},
        ],
        "annotations": [
            {
                "layer": "FINDINGS",
                "image": 1,
                "graphics": [
                    {"type": "POINT", "points": [[10, 10]]},
                    {"type": "POLYLINE", "points": [[10, 20], [50, 20], [50, 60], [10, 20]], "filled": True},
                    {"type": "INTERPOLATED", "points": [[20, 80], [40, 90], [20, 100]]},
                    {"type": "CIRCLE", "center": [64, 64], "radius": 10},
                    {"type": "ELLIPSE", "center": [100, 40], "radii": [12, 6]},
                ],
                "texts": [{"text": "Nodule 12 mm", "anchor": [64, 64]}],
            },
            {
                "layer": "NOTES",
                "units": "DISPLAY",
                "graphics": [{"type": "POLYLINE", "points": [[0.1, 0.9], [0.9, 0.9]]}],
                "texts": [{"text": "AI result", "box": [0.05, 0.02, 0.6, 0.1], "justification": "LEFT"}],
            },
        ],
    }
