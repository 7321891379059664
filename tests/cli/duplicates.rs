//! `llmcost report --only duplicates`: CLI tests on hand-checked fixtures (being written).
