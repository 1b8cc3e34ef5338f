"""The drawing the Draw page holds, which the Layers page can open too (a session-state key)."""

CURRENT_DRAWING = "draw_current_image"
