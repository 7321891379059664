//! `llmcost report --only fallbacks`: CLI tests on hand-checked fixtures (being written).
