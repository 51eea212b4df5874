"""Annotating documents: span arithmetic, the task queue, and versioned saves."""
