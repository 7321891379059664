//! `llmcost report --only waste`: CLI tests on hand-checked fixtures (being written).
