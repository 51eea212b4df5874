"""Review: consolidating annotators' work, the review queue, adjudication into gold."""
