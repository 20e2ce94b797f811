"""A learner's statistics page."""
