//! `llmcost report --only thresholds`: CLI tests on hand-checked fixtures (being written).
