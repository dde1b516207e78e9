"""Alert rules on published metrics: definitions, evaluation with history, notifications."""
