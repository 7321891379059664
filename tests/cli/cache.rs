//! `llmcost report --only cache`: CLI tests on hand-checked fixtures (being written).
