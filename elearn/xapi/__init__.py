"""xAPI: statements built from learning events, the outbox they are written to in the
learner's transaction, delivery to Learning Record Stores, and the read API for HR."""
