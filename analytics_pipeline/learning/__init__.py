"""Learning analytics: spaced repetition, topic mastery, knowledge gaps and exam readiness."""
