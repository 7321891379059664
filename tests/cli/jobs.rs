//! `llmcost report --only jobs`: CLI tests on hand-checked fixtures (being written).
