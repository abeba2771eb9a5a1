"""Tools: the only way reports, templates, free text, voice, planner and CLI reach the business."""
