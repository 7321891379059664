//! `llmcost report --only reconciliation`: CLI tests on hand-checked fixtures (being written).
