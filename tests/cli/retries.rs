//! `llmcost report --only retries`: CLI tests on hand-checked fixtures (being written).
